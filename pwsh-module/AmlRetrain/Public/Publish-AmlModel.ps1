function Publish-AmlModel {
    <#
    .SYNOPSIS
    Deploys a model to a target, optionally through the evaluation gate, and records it in the ledger.

    .DESCRIPTION
    The safe form of the swap: optionally gates the candidate against what the target serves now,
    deploys (classic endpoint PATCH, ARM asset update, or for an online endpoint a new deployment of
    the model version and its traffic moved to it; with backup and read-back) and appends a
    hash-chained ledger entry. A gated candidate raises a PermissionDenied error with id AmlGated (exit
    code 8) and changes nothing; the gate result is the error's TargetObject when the CLI printed one.

    Calls aml-retrain promote TARGET (--model-url - | --from-job JOB_ID) [--smoke FILE] [--probe FILE [--bake S] [--probe-every S]]. -WhatIf runs the CLI's dry
    run. Alias: Invoke-AmlPromotion.

    .PARAMETER Target
    What to deploy to, e.g. classic:SERVICE_ID/ENDPOINT[#RESOURCE], arm:RG/NAME[#ASSET_ID] or
    online:RG/WORKSPACE/ENDPOINT[#DEPLOYMENT] (docs/promotion.md lists the forms). The CLI checks it: a malformed target is an AmlUsage error.
    Binds from the pipeline by property name (target of a ledger entry or plan).

    .PARAMETER ModelUrl
    The model to deploy: the URL of the .ilearner blob, with or without a SAS, or for an online target
    a registered model version azureml:NAME:VERSION (the CLI checks it against the target's kind). It
    is passed on standard input, never on the command line.

    .PARAMETER FromJob
    Id of a finished retraining job: its .ilearner output is deployed and its metrics feed the gate.
    Binds from job_id (the output of Start-AmlRetraining).

    .PARAMETER TrainingWebServiceId
    The training service that ran the job: a classic web service id, or arm:RG/NAME for a new (ARM)
    training web service (the CLI's service option). Needed only when the job is not in the local job
    journal (another machine or agent started it). Binds from web_service_id (the output of
    Start-AmlRetraining). Only with -FromJob: it belongs to that parameter set, so PowerShell refuses it
    with the other sets' parameters.

    .PARAMETER Gate
    Run the evaluation gate before deploying (exit 8 / AmlGated when the candidate regresses).

    .PARAMETER PolicyPath
    Gate rules (YAML or JSON); the default rules when omitted. Implies the gate.

    .PARAMETER RequireBaseline
    Treat a target with no recorded baseline as gated.

    .PARAMETER Force
    Promote even when gated (the CLI's force option). Needs -Reason, which the ledger records.

    .PARAMETER Reason
    Why: recorded in the ledger entry.

    .PARAMETER SmokeInputFile
    Rows (.csv with a header, or .json) the CLI scores on the new deployment of an online target
    before any traffic moves to it (the CLI's smoke option); if that score fails, the traffic stays
    where it was and the error is AmlCliFailed. Other kinds of target refuse it (AmlUsage).

    .PARAMETER ProbeFile
    Health probe rows (.csv with a header, or .json): the CLI scores them on the model serving now
    before the switch and on the new one after it (the CLI's probe option), and rolls the target back
    when it turns unhealthy against the policy's health thresholds (-PolicyPath); the error is then
    AmlCliFailed and says whether it was rolled back. -WhatIf does not probe.

    .PARAMETER BakeSeconds
    With -ProbeFile: keep probing this long after the switch (the CLI's bake option; default 0: once).

    .PARAMETER ProbeEverySeconds
    With -BakeSeconds: seconds between probes (the CLI's probe-every option; default 30).

    .PARAMETER TrafficSteps
    Online targets: percentages of the old deployment's traffic moved to the new one step by step,
    rising and ending at 100, e.g. 10, 50, 100 (the CLI's steps option). Each step but the last is
    baked with -ProbeFile (needed) for -BakeSeconds; an unhealthy step puts the traffic back as it
    was and the error is AmlCliFailed. Other kinds of target refuse it (AmlUsage).

    .PARAMETER MirrorPercent
    Online targets: first mirror this percent of requests (at most 50) to the new deployment, whose
    answers are discarded, baked like a step (the CLI's mirror option).

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
    Publish-AmlModel -Target "classic:$($predictive.Id)/retrained01" -FromJob $job.job_id -Gate

    .EXAMPLE
    Start-AmlRetraining $training.Id -Data .\new.csv | Publish-AmlModel -Target 'arm:my-rg/census-model-ws' -Gate -WhatIf

    .EXAMPLE
    Publish-AmlModel -Target 'online:ml-rg/census-ws/census-online' -ModelUrl 'azureml:census-model:4' -SmokeInputFile .\rows.csv -Confirm:$false

    A new deployment of version 4, scored at 0 % traffic, then the serving deployment's traffic moved to it.

    .EXAMPLE
    try { Publish-AmlModel $target -FromJob $id -Gate -ErrorAction Stop }
    catch { if ($_.CategoryInfo.Category -eq 'PermissionDenied') { $_.TargetObject.gate.summary } else { throw } }

    .OUTPUTS
    AmlRetrain.PromotionResult: action, target, old_model, new_model, dry_run, already_current, deploy,
    entry, gate, metrics.

    .LINK
    Test-AmlModelGate

    .LINK
    Undo-AmlPromotion

    .LINK
    Get-AmlPromotionLedger
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'FromJob')]
    [Alias('Invoke-AmlPromotion')]
    [OutputType('AmlRetrain.PromotionResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Target,

        # No ValidatePattern: a model's form is the target kind's (a blob URL, azureml:NAME:VERSION).
        [Parameter(Mandatory, ParameterSetName = 'ModelUrl')]
        [ValidateNotNullOrEmpty()]
        [string] $ModelUrl,

        [Parameter(Mandatory, ParameterSetName = 'FromJob', ValueFromPipelineByPropertyName)]
        [Alias('job_id')]
        [ValidateNotNullOrEmpty()]
        [string] $FromJob,

        # Only in the FromJob set: a parameter that names a set is refused with the parameters of the
        # other sets ("Parameter set cannot be resolved", AmbiguousParameterSet; learn.microsoft.com
        # "Cmdlet parameter sets"), and pipeline input binds it only when that set is chosen.
        [Parameter(ParameterSetName = 'FromJob', ValueFromPipelineByPropertyName)]
        [Alias('web_service_id')]
        [ValidateNotNullOrEmpty()]
        [string] $TrainingWebServiceId,

        [switch] $Gate,

        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $PolicyPath,

        [switch] $RequireBaseline,

        [switch] $Force,

        [ValidateLength(1, 500)]
        [string] $Reason,

        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $SmokeInputFile,

        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $ProbeFile,

        [ValidateRange(0, 86400)]
        [int] $BakeSeconds,

        [ValidateRange(1, 86400)]
        [int] $ProbeEverySeconds,

        [ValidateCount(1, 20)]
        [ValidateRange(1, 100)]
        [int[]] $TrafficSteps,

        [ValidateRange(0, 50)]
        [int] $MirrorPercent,

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
        $dryRun = -not $PSCmdlet.ShouldProcess($Target, 'Promote model')
        if ($dryRun -and -not $WhatIfPreference) { return }
        $arguments = @($Target)

        $url = $null
        if ($PSCmdlet.ParameterSetName -eq 'FromJob') {
            $arguments += '--from-job', $FromJob
            if ($TrainingWebServiceId) { $arguments += '--service', $TrainingWebServiceId }
        }
        else {
            # '-' makes the CLI read the URL from stdin: a SAS signature never reaches argv.
            $arguments += '--model-url', '-'
            $url = $ModelUrl
        }

        if ($Gate) { $arguments += '--gate' }
        if ($PolicyPath) { $arguments += '--policy', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($PolicyPath) }
        if ($RequireBaseline) { $arguments += '--require-baseline' }
        if ($Force) { $arguments += '--force' }
        if ($Reason) { $arguments += '--reason', $Reason }
        if ($SmokeInputFile) { $arguments += '--smoke', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($SmokeInputFile) }
        # The CLI refuses a probe on a dry run (nothing is switched, so nothing to probe).
        if ($ProbeFile -and -not $dryRun) {
            $arguments += '--probe', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($ProbeFile)
            if ($PSBoundParameters.ContainsKey('BakeSeconds')) { $arguments += '--bake', $BakeSeconds }
            if ($ProbeEverySeconds) { $arguments += '--probe-every', $ProbeEverySeconds }
        }
        if ($TrafficSteps) { $arguments += '--steps', ($TrafficSteps -join ',') }
        if ($MirrorPercent) { $arguments += '--mirror', $MirrorPercent }
        if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
        if ($dryRun) { $arguments += '--dry-run' }
        Invoke-AmlRetrainCli -Command @('promote') -Arguments $arguments -InputText $url -TypeName 'AmlRetrain.PromotionResult' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
