function Undo-AmlPromotion {
    <#
    .SYNOPSIS
    Rolls a target back to the previous (or a chosen) model recorded in the ledger.

    .DESCRIPTION
    Re-points the target at the model of the previous ledger entry, or of entry -ToEntry, with the same
    backup and read-back as a promotion, and records a rollback entry (an online endpoint's traffic
    goes back to the deployment that served the earlier model version). Pipe a ledger entry to return
    to it.

    Calls aml-retrain rollback TARGET [--to ENTRY]. -WhatIf runs the CLI's dry run.

    .PARAMETER Target
    What to deploy to, e.g. classic:SERVICE_ID/ENDPOINT[#RESOURCE], arm:RG/NAME[#ASSET_ID] or
    online:RG/WORKSPACE/ENDPOINT[#DEPLOYMENT] (docs/promotion.md lists the forms). The CLI checks it: a malformed target is an AmlUsage error.
    Binds from the pipeline by property name (target of a ledger entry or plan).

    .PARAMETER ToEntry
    Ledger entry (seq) to return to; default: the previous model. Binds from seq of a ledger entry.

    .PARAMETER Reason
    Why: recorded in the ledger entry.

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
    Undo-AmlPromotion -Target $target -Reason 'smoke test failed' -Confirm:$false

    .EXAMPLE
    Get-AmlPromotionLedger $target | Where-Object seq -eq 3 | Undo-AmlPromotion -WhatIf

    .OUTPUTS
    AmlRetrain.PromotionResult (action 'rollback').
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('AmlRetrain.PromotionResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Target,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('seq')]
        [ValidateRange(1, [int]::MaxValue)]
        [int] $ToEntry,

        [ValidateLength(1, 500)]
        [string] $Reason,

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
        $what = if ($ToEntry) { "Roll back to ledger entry $ToEntry" } else { 'Roll back to the previous model' }
        $dryRun = -not $PSCmdlet.ShouldProcess($Target, $what)
        if ($dryRun -and -not $WhatIfPreference) { return }
        $arguments = @($Target)
        if ($ToEntry) { $arguments += '--to', $ToEntry }
        if ($Reason) { $arguments += '--reason', $Reason }
        if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
        if ($dryRun) { $arguments += '--dry-run' }
        Invoke-AmlRetrainCli -Command @('rollback') -Arguments $arguments -TypeName 'AmlRetrain.PromotionResult' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
