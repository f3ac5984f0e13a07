function Get-AmlWebServiceEndpoint {
    <#
    .SYNOPSIS
    Gets the endpoints of a classic web service.

    .DESCRIPTION
    Lists the endpoints of a web service, or shows one, with their updatable resources (the trained
    models). Keys are hidden unless -ShowKeys is given.

    Calls aml-retrain classic endpoints list SERVICE_ID, or classic endpoints show SERVICE_ID ENDPOINT
    when -Name is given without wildcards. Pipe the output into Update-AmlWebServiceEndpoint,
    Remove-AmlWebServiceEndpoint or Invoke-AmlWebServiceScore: WebServiceId and Name bind by property
    name.

    .PARAMETER WebServiceId
    Id of the web service (32 hex digits), as listed by Get-AmlWebService. Binds from the pipeline by
    property name (WebServiceId, or Id of a web service object).

    .PARAMETER Name
    Endpoint name; with wildcards, the endpoints whose Name matches. Without it, all endpoints are
    listed. (Not bound from the pipeline: a web service object's Name is not an endpoint.)

    .PARAMETER ShowKeys
    Include the endpoints' PrimaryKey and SecondaryKey (plain text: handle the output with care).

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
    Get-AmlWebServiceEndpoint -WebServiceId $predictive.Id

    .EXAMPLE
    Get-AmlWebService -Name '*Predictive*' | Get-AmlWebServiceEndpoint -Name retrained01

    Shows one endpoint with its trained-model resource (Resources[0].Location).

    .EXAMPLE
    Get-AmlWebServiceEndpoint $svc 'retrained*' | Update-AmlWebServiceEndpoint -FromJob $job.job_id -WhatIf

    Shows the PATCH each matching endpoint would get (the CLI's dry run).

    .OUTPUTS
    AmlRetrain.Endpoint: Name, WebServiceId, Resources, ThrottleLevel, MaxConcurrentCalls, ...
    (PrimaryKey and SecondaryKey only with -ShowKeys).

    .LINK
    Update-AmlWebServiceEndpoint
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.Endpoint')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('Id')]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Position = 1)]
        [Alias('EndpointName')]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [switch] $ShowKeys,

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
        if ($Name -and -not [WildcardPattern]::ContainsWildcardCharacters($Name)) {
            $arguments = @($WebServiceId, $Name)
            if ($ShowKeys) { $arguments += '--show-keys' }
            Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'show') -Arguments $arguments -TypeName 'AmlRetrain.Endpoint' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        }
        else {
            $arguments = @($WebServiceId)
            if ($ShowKeys) { $arguments += '--show-keys' }
            $endpoints = Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'list') -Arguments $arguments -TypeName 'AmlRetrain.Endpoint' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
            if ($Name) { $endpoints = $endpoints | Where-Object { $_.Name -like $Name } }
            $endpoints
        }
    }
}
