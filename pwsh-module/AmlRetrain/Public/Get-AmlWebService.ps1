function Get-AmlWebService {
    <#
    .SYNOPSIS
    Gets the classic (Studio) web services of the workspace.

    .DESCRIPTION
    Lists the web services of the workspace, or shows one by id, with the classic management API's field
    names (Id, Name, Description, CreationTime, WorkspaceId, DefaultEndpointName).

    Calls aml-retrain classic services list, or classic services show SERVICE_ID.

    .PARAMETER Id
    Id of one web service (32 hex digits). Without it, all web services are listed.

    .PARAMETER Name
    Only web services whose Name matches this wildcard pattern, e.g. '*[[]Predictive Exp.]'.

    .PARAMETER ProfilePath
    Profile file with the service endpoints and the CA bundle to trust (the CLI's global profile
    option). Default: $env:AML_RETRAIN_PROFILE, else ~/.aml-retrain/profile.json when it exists.

    .PARAMETER WorkspaceId
    Classic (Studio) workspace id, 32 hex digits. Default: $env:AML_RETRAIN_WORKSPACE_ID or the profile.

    .PARAMETER WorkspaceToken
    Workspace authorization token as a SecureString (e.g. (Get-Secret AmlWorkspaceToken)). It reaches
    the CLI in the AML_RETRAIN_WORKSPACE_TOKEN environment variable of the child process, never on its
    command line. Default: $env:AML_RETRAIN_WORKSPACE_TOKEN or the profile.

    .EXAMPLE
    Get-AmlWebService

    Lists the web services of the workspace named by $env:AML_RETRAIN_WORKSPACE_ID.

    .EXAMPLE
    $predictive = Get-AmlWebService -Name '*Predictive Exp.*'

    Finds the predictive web service by name.

    .EXAMPLE
    Get-AmlWebService -Id $training.Id -WorkspaceId $ws -WorkspaceToken (Get-Secret AmlToken)

    .OUTPUTS
    AmlRetrain.WebService: the service's own fields (Id, Name, DefaultEndpointName, ...).

    .LINK
    Get-AmlWebServiceEndpoint
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('AmlRetrain.WebService')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Show', ValueFromPipelineByPropertyName)]
        [Alias('WebServiceId')]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $Id,

        [Parameter(ParameterSetName = 'List')]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WorkspaceId,

        [securestring] $WorkspaceToken
    )

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Show') {
            Invoke-AmlRetrainCli -Command @('classic', 'services', 'show') -Arguments @($Id) -TypeName 'AmlRetrain.WebService' -BoundParameters $PSBoundParameters
        }
        else {
            $services = Invoke-AmlRetrainCli -Command @('classic', 'services', 'list') -TypeName 'AmlRetrain.WebService' -BoundParameters $PSBoundParameters
            if ($Name) { $services = $services | Where-Object { $_.Name -like $Name } }
            $services
        }
    }
}
