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

    .PARAMETER PreventUpdate
    azuremlps' Add-AmlWebServiceEndpoint switch that marks the new endpoint as not updatable. The CLI
    cannot set it yet: given, the cmdlet stops with an InvalidArgument error before anything is sent,
    rather than create an endpoint that can be updated after all.

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
        [ValidatePattern('^(?=.{1,24}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$', Options = 'None')]
        [string] $Name,

        [ValidateLength(0, 2000)]
        [string] $Description,

        [ValidateSet('Low', 'High')]
        [string] $ThrottleLevel,

        [ValidateRange(1, 200)]
        [int] $MaxConcurrentCalls,

        [switch] $ExistOk,

        [switch] $PreventUpdate,

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
        if ($PreventUpdate) {
            $exception = [System.ArgumentException]::new(
                '-PreventUpdate is not supported by aml-retrain classic endpoints create; create the endpoint without it (nothing was sent).')
            $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($exception, 'AmlPreventUpdate', 'InvalidArgument', $Name))
        }
        if (-not $PSCmdlet.ShouldProcess("$WebServiceId/$Name", 'Create endpoint')) { return }
        $arguments = @($WebServiceId, $Name)
        if ($PSBoundParameters.ContainsKey('Description')) { $arguments += '--description', $Description }
        if ($ThrottleLevel) { $arguments += '--throttle-level', $ThrottleLevel }
        if ($MaxConcurrentCalls) { $arguments += '--max-concurrent-calls', $MaxConcurrentCalls }
        if ($ExistOk) { $arguments += '--exist-ok' }
        Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'create') -Arguments $arguments -TypeName 'AmlRetrain.Endpoint' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
