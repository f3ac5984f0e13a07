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
    Only the web service with this Name, e.g. 'Census Model [Predictive Exp.]' (brackets are literal,
    as Studio names carry them), or those matching a pattern with * and ?, e.g. '*[Predictive Exp.]'.

    .PARAMETER ProfilePath
    Profile file with the service endpoints and the CA bundle to trust (the CLI's global profile
    option). Default: $env:AML_RETRAIN_PROFILE, else ~/.aml-retrain/profile.json when it exists.

    .PARAMETER WorkspaceId
    Classic (Studio) workspace id, 32 hex digits. Default: $env:AML_RETRAIN_WORKSPACE_ID or the profile.

    .PARAMETER WorkspaceToken
    Workspace authorization token as a SecureString (e.g. (Get-Secret AmlWorkspaceToken)). It reaches
    the CLI in the AML_RETRAIN_WORKSPACE_TOKEN environment variable of the child process, never on its
    command line. Default: $env:AML_RETRAIN_WORKSPACE_TOKEN or the profile.

    .PARAMETER ConfigFile
    An azuremlps config.json ({ "WorkspaceId", "AuthorizationToken", "Location" or "RegionName" }): its
    values stand in for -WorkspaceId, -WorkspaceToken and -Region when those are not given. The token
    reaches the CLI only in the child process's environment.

    .PARAMETER Region
    Region of the classic workspace: southcentralus, westeurope, southeastasia, japaneast,
    westcentralus, germanycentral, or the portal's form ("West Europe"). Reaches the CLI as
    AML_RETRAIN_REGION. Default: $env:AML_RETRAIN_REGION, the profile, else southcentralus. Alias:
    -Location (azuremlps).

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

        [Alias('AuthorizationToken')]
        [securestring] $WorkspaceToken,

        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $ConfigFile,

        [Alias('Location')]
        [ValidateNotNullOrEmpty()]
        [string] $Region
    )

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Show') {
            Invoke-AmlRetrainCli -Command @('classic', 'services', 'show') -Arguments @($Id) -TypeName 'AmlRetrain.WebService' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        }
        else {
            $services = Invoke-AmlRetrainCli -Command @('classic', 'services', 'list') -TypeName 'AmlRetrain.WebService' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
            if ($Name) {
                # Studio names carry brackets ("Census Model [Training Exp.]"): [ and ] match themselves
                # here, only * and ? are wildcards, so a full name matches exactly that service.
                $pattern = $Name -replace '([\[\]`])', '`$1'
                $services = $services | Where-Object { $_.Name -like $pattern }
            }
            $services
        }
    }
}
