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
    Include PrimaryKey and SecondaryKey (plain text).

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
    (Get-AmlWebServiceEndpointPatchUrl -WebServiceId $predictive.Id -Name retrained01).PatchUrl

    .EXAMPLE
    Get-AmlWebServiceEndpoint $predictive.Id retrained01 | Get-AmlWebServiceEndpointPatchUrl -ShowKeys

    .OUTPUTS
    AmlRetrain.EndpointPatchInfo: PatchUrl, WebServiceId, Endpoint, Resources (and the keys with
    -ShowKeys).
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.EndpointPatchInfo')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('EndpointName', 'Endpoint')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [switch] $ShowKeys,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WorkspaceId,

        [securestring] $WorkspaceToken
    )

    process {
        $arguments = @($WebServiceId, $Name)
        if ($ShowKeys) { $arguments += '--show-keys' }
        Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'patch-url') -Arguments $arguments -TypeName 'AmlRetrain.EndpointPatchInfo' -BoundParameters $PSBoundParameters
    }
}
