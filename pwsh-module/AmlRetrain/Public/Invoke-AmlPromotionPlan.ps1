function Invoke-AmlPromotionPlan {
    <#
    .SYNOPSIS
    Applies a promotion plan if its target has not changed since; records it in the ledger.

    .DESCRIPTION
    Deploys exactly what the plan says, after checking that the target still is in the state the plan
    saw. A stale plan raises an InvalidOperation error with id AmlStalePlan (exit code 9) and changes
    nothing.

    Calls aml-retrain apply PLAN.json. The CLI has no dry run for this command: under -WhatIf nothing is
    called.

    .PARAMETER Path
    The plan file. Binds from plan_file (the output of New-AmlPromotionPlan).

    .PARAMETER TimeoutSec
    Budget in seconds for an ARM web service write (PATCH and polling; the CLI's timeout option,
    default 900); the write may still finish after it. Classic writes are one request each, limited by
    AML_RETRAIN_TIMEOUT.

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

    .PARAMETER SubscriptionId
    Azure subscription id of the new (ARM) web services. Default: $env:AML_RETRAIN_SUBSCRIPTION_ID,
    $env:AZURE_SUBSCRIPTION_ID or the profile.

    .PARAMETER ArmToken
    A bearer token for Azure Resource Manager as a SecureString, e.g. (Get-AzAccessToken).Token with
    Az.Accounts 5 or later. Passed in AML_RETRAIN_ARM_TOKEN, never on the command line. Without it the
    CLI signs in with azure-identity (AML_RETRAIN_AUTH).

    .PARAMETER StorageConnectionString
    Storage account connection string as a SecureString, used to upload data and mint short-lived SAS
    URLs. Passed in AML_RETRAIN_STORAGE_CONNECTION_STRING, never on the command line. Default:
    $env:AML_RETRAIN_STORAGE_CONNECTION_STRING or the profile.

    .PARAMETER Ledger
    Promotion ledger: a local path or az://container/path (the CLI's global ledger option). Default:
    $env:AML_RETRAIN_LEDGER, else ~/.aml-retrain/ledger.jsonl.

    .EXAMPLE
    Invoke-AmlPromotionPlan -Path .\plan.json -Confirm:$false

    .EXAMPLE
    try { Invoke-AmlPromotionPlan .\plan.json -Confirm:$false -ErrorAction Stop }
    catch { if ($_.FullyQualifiedErrorId -like 'AmlStalePlan*') { Write-Warning 'Plan is stale: plan again.' } else { throw } }

    .OUTPUTS
    AmlRetrain.PromotionResult: action, target, old_model, new_model, deploy, entry, gate, metrics,
    plan_hash.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('AmlRetrain.PromotionResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('plan_file', 'PlanFile')]
        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $Path,

        [ValidateRange(1, 86400)]
        [int] $TimeoutSec,

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
        [string] $Region,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken,

        [securestring] $StorageConnectionString,

        [ValidateNotNullOrEmpty()]
        [string] $Ledger
    )

    process {
        $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        if (-not $PSCmdlet.ShouldProcess($file, 'Apply promotion plan')) { return }
        $arguments = @($file)
        if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
        Invoke-AmlRetrainCli -Command @('apply') -Arguments $arguments -TypeName 'AmlRetrain.PromotionResult' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
