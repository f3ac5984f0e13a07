function Get-AmlWebServiceEndpointPatchUrl {
    <#
    .SYNOPSIS
    Gets the PATCH URL of a classic endpoint (and its keys only with -ShowKeys).

    .DESCRIPTION
    Returns the URL the trained-model PATCH goes to, the endpoint's updatable resource names and, with
    -ShowKeys, the endpoint's API keys. Update-AmlWebServiceEndpoint needs none of this (it finds the
    URL itself); it is the step of the documented flow, for scripts that call the API directly.

    Calls aml-retrain classic endpoints patch-url SERVICE_ID ENDPOINT.

    .PARAMETER WebServiceId
    Id of the predictive web service that owns the endpoint (32 hex digits). Binds from the pipeline by
    property name (WebServiceId of an endpoint object).

    .PARAMETER Name
    Endpoint name, e.g. retrained01. Binds from the pipeline by property name (Name of an endpoint
    object from Get-AmlWebServiceEndpoint).

    .PARAMETER ShowKeys
    Include primary_key and secondary_key (plain text).

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
    (Get-AmlWebServiceEndpointPatchUrl -WebServiceId $predictive.Id -Name retrained01).patch_url

    .EXAMPLE
    Get-AmlWebServiceEndpoint $predictive.Id retrained01 | Get-AmlWebServiceEndpointPatchUrl -ShowKeys

    .OUTPUTS
    AmlRetrain.EndpointPatchInfo: patch_url, web_service_id, endpoint, api_location, help_location,
    resources (and primary_key, secondary_key with -ShowKeys).
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.EndpointPatchInfo')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('EndpointName', 'Endpoint')]
        [ValidatePattern('^(?=.{1,24}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$', Options = 'None')]
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
        $arguments = @($WebServiceId, $Name)
        if ($ShowKeys) { $arguments += '--show-keys' }
        Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'patch-url') -Arguments $arguments -TypeName 'AmlRetrain.EndpointPatchInfo' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
