function New-AmlWebServiceEndpoint {
    <#
    .SYNOPSIS
    Creates a non-default endpoint on a classic (predictive) web service.

    .DESCRIPTION
    Creates an endpoint whose trained model can later be replaced with Update-AmlWebServiceEndpoint (the
    default endpoint cannot be patched). With -ExistOk an existing endpoint of that name is returned
    instead of a ResourceExists error (AmlConflict).

    Calls aml-retrain classic endpoints create SERVICE_ID ENDPOINT. The CLI has no dry run for this
    command: under -WhatIf nothing is called. Alias: Add-AmlWebServiceEndpoint (the azuremlps name).

    .PARAMETER WebServiceId
    Id of the web service (32 hex digits), as listed by Get-AmlWebService. Binds from the pipeline by
    property name (WebServiceId, or Id of a web service object).

    .PARAMETER Name
    Name of the new endpoint: letters, digits, '-' and '_', at most 24 characters.

    .PARAMETER Description
    Free text, up to 2000 characters.

    .PARAMETER ThrottleLevel
    Low (default) or High (paid tiers only).

    .PARAMETER MaxConcurrentCalls
    Request-Response concurrency, 1 to 200.

    .PARAMETER ExistOk
    Succeed and return the endpoint when it already exists.

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
    New-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name retrained01 -ExistOk

    .EXAMPLE
    Get-AmlWebService -Name '*Predictive*' | New-AmlWebServiceEndpoint -Name canary -ThrottleLevel Low -MaxConcurrentCalls 4

    .OUTPUTS
    AmlRetrain.Endpoint: the created (or existing) endpoint, without keys.

    .LINK
    Remove-AmlWebServiceEndpoint

    .LINK
    Update-AmlWebServiceEndpoint
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [Alias('Add-AmlWebServiceEndpoint')]
    [OutputType('AmlRetrain.Endpoint')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('Id')]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Mandatory, Position = 1)]
        [Alias('EndpointName', 'EpName')]
        [ValidatePattern('^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$')]
        [string] $Name,

        [ValidateLength(0, 2000)]
        [string] $Description,

        [ValidateSet('Low', 'High')]
        [string] $ThrottleLevel,

        [ValidateRange(1, 200)]
        [int] $MaxConcurrentCalls,

        [switch] $ExistOk,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WorkspaceId,

        [securestring] $WorkspaceToken
    )

    process {
        if (-not $PSCmdlet.ShouldProcess("$WebServiceId/$Name", 'Create endpoint')) { return }
        $arguments = @($WebServiceId, $Name)
        if ($PSBoundParameters.ContainsKey('Description')) { $arguments += '--description', $Description }
        if ($ThrottleLevel) { $arguments += '--throttle-level', $ThrottleLevel }
        if ($MaxConcurrentCalls) { $arguments += '--max-concurrent-calls', $MaxConcurrentCalls }
        if ($ExistOk) { $arguments += '--exist-ok' }
        Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'create') -Arguments $arguments -TypeName 'AmlRetrain.Endpoint' -BoundParameters $PSBoundParameters
    }
}
