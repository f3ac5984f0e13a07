function Invoke-AmlFanout {
    <#
    .SYNOPSIS
    Promotes models to many targets from a manifest, canary wave first.

    .DESCRIPTION
    Runs the manifest's targets wave by wave, at most -Concurrency at once. A failed target, or a gated
    one in the canary wave, stops the rollout unless -KeepGoing; re-runs skip targets already at their
    model. A failed rollout raises AmlCliFailed (exit 1), a gated one AmlGated (exit 8); the fan-out
    summary is the error's TargetObject.

    Calls aml-retrain fanout run MANIFEST.yaml. The CLI has no dry run for this command: under -WhatIf
    nothing is called.

    .PARAMETER Path
    The fan-out manifest (YAML): targets, models and waves (see docs/promotion.md).

    .PARAMETER Resume
    Continue the run with this id (the run_id of an earlier result, or from Get-AmlFanoutRun) with the
    same manifest: targets the run already promoted are skipped, the others run. The CLI refuses (an
    AmlUsage error, exit 2) a run the ledger does not know, one started with another manifest, and one
    rolled back as a whole.

    .PARAMETER Shard
    Run shard I of N (like '2/4', counted from 1): every N-th target of each wave. All shards of a run
    take the same manifest, -RunId and ledger (an az:// one: -Ledger), and each wave waits until every
    shard finished the one before (the CLI's shard option). In Azure Pipelines, pass
    "$($env:SYSTEM_JOBPOSITIONINPHASE)/$($env:SYSTEM_TOTALJOBSINPHASE)" from a job with
    strategy: parallel.

    .PARAMETER RunId
    Start the run with this id (from New-AmlFanoutRunId), the same for every shard of the run.

    .PARAMETER BarrierTimeoutSec
    With -Shard: how long to wait at the end of a wave for the other shards (default 3600); past it
    the error is AmlTimeout (exit 4) naming the shards that did not arrive.

    .PARAMETER Concurrency
    Targets at once per wave (the CLI's default is 4).

    .PARAMETER KeepGoing
    Do not stop on a failed or gated target.

    .PARAMETER JUnitPath
    Also write JUnit XML, one test per target (for PublishTestResults@2).

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
    Invoke-AmlFanout .\fanout.yaml -Resume 20261203T183000Z-1a2b3c4d -Confirm:$false

    .EXAMPLE
    Invoke-AmlFanout .\fanout.yaml -Shard 2/4 -RunId (New-AmlFanoutRunId).run_id -Ledger az://ledgers/prod.jsonl -Confirm:$false

    .EXAMPLE
    Invoke-AmlFanout -Path .\fanout.yaml -Concurrency 8 -JUnitPath .\fanout.xml -Confirm:$false

    .EXAMPLE
    try { Invoke-AmlFanout .\fanout.yaml -Confirm:$false -ErrorAction Stop }
    catch { $_.TargetObject.results | Where-Object status -ne promoted; throw }

    .OUTPUTS
    AmlRetrain.FanoutResult: outcome, run_id, resumed, counts, stopped, failed_wave, concurrency,
    keep_going, seconds, results, rollbacks (each tagged AmlRetrain.FanoutRollback: what the run undid
    after a wave exceeded its failure budget). The result is also the error's TargetObject when the
    run fails, so a script reads the rollbacks there.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('AmlRetrain.FanoutResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('Manifest')]
        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $Path,

        [ValidatePattern('^\d{8}T\d{6}Z-[0-9a-f]{8}$', Options = 'None')]
        [string] $Resume,

        [ValidatePattern('^\d{1,3}/\d{1,3}$')]
        [string] $Shard,

        [ValidatePattern('^\d{8}T\d{6}Z-[0-9a-f]{8}$', Options = 'None')]
        [string] $RunId,

        [ValidateRange(1, 86400)]
        [int] $BarrierTimeoutSec,

        [ValidateRange(1, 256)]
        [int] $Concurrency,

        [switch] $KeepGoing,

        [ValidateNotNullOrEmpty()]
        [string] $JUnitPath,

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
        if (-not $PSCmdlet.ShouldProcess($file, 'Promote every target of the manifest')) { return }
        $arguments = @($file)
        if ($Resume) { $arguments += '--resume', $Resume }
        if ($Shard) { $arguments += '--shard', $Shard }
        if ($RunId) { $arguments += '--run-id', $RunId }
        if ($BarrierTimeoutSec) { $arguments += '--barrier-timeout', $BarrierTimeoutSec }
        if ($Concurrency) { $arguments += '--concurrency', $Concurrency }
        if ($KeepGoing) { $arguments += '--keep-going' }
        if ($JUnitPath) { $arguments += '--junit', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($JUnitPath) }
        if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
        Invoke-AmlRetrainCli -Command @('fanout', 'run') -Arguments $arguments -TypeName 'AmlRetrain.FanoutResult' -NestedTypeName @{ rollbacks = 'AmlRetrain.FanoutRollback' } -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
