function Invoke-AmlWebServiceScore {
    <#
    .SYNOPSIS
    Scores rows through a classic endpoint's Request-Response Service (smoke test).

    .DESCRIPTION
    Sends the rows of a .csv file (with a header) or a .json request body to the endpoint and returns
    the scored rows. Use it after a swap: the service serves the new model after about 30 seconds.

    Calls aml-retrain classic score SERVICE_ID ENDPOINT --input FILE. It replaces azuremlps'
    Invoke-AmlWebServiceRRSEndpoint, which takes the endpoint's API location and key instead: the CLI
    finds both from the service id and endpoint name.

    .PARAMETER WebServiceId
    Id of the predictive web service that owns the endpoint (32 hex digits). Binds from the pipeline by
    property name (WebServiceId of an endpoint object).

    .PARAMETER Name
    Endpoint name, e.g. retrained01. Binds from the pipeline by property name (Name of an endpoint
    object from Get-AmlWebServiceEndpoint).

    .PARAMETER InputFile
    Rows to score: a .csv file with a header row, or a .json request body.

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
    $scored = Invoke-AmlWebServiceScore -WebServiceId $predictive.Id -Name retrained01 -InputFile .\rows.csv
    $scored.rows | ForEach-Object { $_[-2] }

    .OUTPUTS
    AmlRetrain.ScoreResult: output_name, columns, rows.
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.ScoreResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('EndpointName', 'Endpoint')]
        [ValidatePattern('^(?=.{1,24}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$', Options = 'None')]
        [string] $Name,

        [Parameter(Mandatory)]
        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $InputFile,

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
        $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($InputFile)
        Invoke-AmlRetrainCli -Command @('classic', 'score') -Arguments @($WebServiceId, $Name, '--input', $file) -TypeName 'AmlRetrain.ScoreResult' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
