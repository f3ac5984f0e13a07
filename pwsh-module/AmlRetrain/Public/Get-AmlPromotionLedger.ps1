function Get-AmlPromotionLedger {
    <#
    .SYNOPSIS
    Gets the promotion ledger: promotions and rollbacks, oldest first.

    .DESCRIPTION
    Returns the ledger entries (all, or those of one target): sequence number, time, action, target, old
    and new model, job id, blob hash, gate result, metrics, actor and reason.

    Calls aml-retrain ledger show [TARGET].

    .PARAMETER Target
    Only the entries of this target, e.g. classic:SERVICE_ID/ENDPOINT, arm:RG/NAME or
    online:RG/WORKSPACE/ENDPOINT (checked by the CLI: a malformed target is an AmlUsage error).

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
    Get-AmlPromotionLedger -Target $target | Format-Table seq, time, action, new_model

    .EXAMPLE
    Get-AmlPromotionLedger -Ledger az://ledgers/prod.jsonl -StorageConnectionString (Get-Secret AmlStorage)

    .OUTPUTS
    AmlRetrain.LedgerEntry: seq, time, action, target, old_model, new_model, job_id, blob, gate,
    metrics, actor, reason, hash, prev_hash.
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.LedgerEntry')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Target,

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
        $arguments = if ($Target) { @($Target) } else { @() }
        Invoke-AmlRetrainCli -Command @('ledger', 'show') -Arguments $arguments -TypeName 'AmlRetrain.LedgerEntry' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
