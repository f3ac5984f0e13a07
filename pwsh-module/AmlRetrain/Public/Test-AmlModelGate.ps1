function Test-AmlModelGate {
    <#
    .SYNOPSIS
    Compares a candidate model's metrics with the baseline (the evaluation gate).

    .DESCRIPTION
    Evaluates the gate rules (default: no regression of AUC/Accuracy, or a -PolicyPath file) for a
    candidate: an Evaluate Model CSV, a metrics JSON file, or a retraining job (-FromJob). The baseline
    is a file (-Baseline) or what -Target serves now according to the ledger. Returns the gate result; a
    gated candidate is a result (outcome 'gated'), not an error. With -Quiet returns only $true (pass)
    or $false (gated).

    Calls aml-retrain gate --candidate METRICS; its exit code 8 (gated) is accepted here.

    .PARAMETER Candidate
    Candidate metrics: an evaluation CSV, a metrics JSON file, or job:JOB_ID.

    .PARAMETER FromJob
    Id of a finished retraining job: its .ilearner output is deployed and its metrics feed the gate.
    Binds from job_id (the output of Start-AmlRetraining).

    .PARAMETER TrainingWebServiceId
    The training service that ran the job: a classic web service id, or arm:RG/NAME for a new (ARM)
    training web service (the CLI's service option). Needed only when the job is not in the local job
    journal (another machine or agent started it). Binds from web_service_id (the output of
    Start-AmlRetraining). Only with -FromJob or a job:JOB_ID -Candidate; with a metrics file it is
    refused (AmlServiceWithoutJob).

    .PARAMETER Baseline
    Baseline metrics file.

    .PARAMETER Target
    Take the baseline from the ledger: the metrics of what this target serves now.

    .PARAMETER PolicyPath
    Gate rules (YAML or JSON); the default rules when omitted. Implies the gate.

    .PARAMETER RequireBaseline
    Treat a target with no recorded baseline as gated.

    .PARAMETER Force
    Record the candidate as passed even if gated (needs -Reason).

    .PARAMETER Reason
    Why: recorded in the ledger entry.

    .PARAMETER Quiet
    Return $true when the candidate passes, $false when it is gated.

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
    Test-AmlModelGate -FromJob $job.job_id -Target "classic:$($predictive.Id)/retrained01"

    .EXAMPLE
    if (-not (Start-AmlRetraining $training.Id -Data .\new.csv | Test-AmlModelGate -Target $target -Quiet)) { throw 'gated' }

    .EXAMPLE
    Test-AmlModelGate -Candidate .\evaluation.csv -Baseline .\last-good.json -PolicyPath .\gate.yaml

    .OUTPUTS
    AmlRetrain.GateResult: outcome (pass|gated), forced, reason, baseline, notices, rules, summary;
    System.Boolean with -Quiet.

    .LINK
    Publish-AmlModel
    #>
    [CmdletBinding(DefaultParameterSetName = 'Candidate')]
    [OutputType('AmlRetrain.GateResult')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Candidate')]
        [ValidateNotNullOrEmpty()]
        [string] $Candidate,

        [Parameter(Mandatory, ParameterSetName = 'FromJob', ValueFromPipelineByPropertyName)]
        [Alias('job_id')]
        [ValidateNotNullOrEmpty()]
        [string] $FromJob,

        # In both sets (a job may come as -FromJob or as a job:JOB_ID -Candidate); bound from the
        # pipeline only with -FromJob, the one parameter the pipeline gives this cmdlet.
        [Parameter(ParameterSetName = 'FromJob', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'Candidate')]
        [Alias('web_service_id')]
        [ValidateNotNullOrEmpty()]
        [string] $TrainingWebServiceId,

        [ValidateNotNullOrEmpty()]
        [string] $Baseline,

        [ValidateNotNullOrEmpty()]
        [string] $Target,

        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $PolicyPath,

        [switch] $RequireBaseline,

        [switch] $Force,

        [ValidateLength(1, 500)]
        [string] $Reason,

        [switch] $Quiet,

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
        $metrics = if ($PSCmdlet.ParameterSetName -eq 'FromJob') { "job:$FromJob" }
        elseif (Test-Path -LiteralPath $Candidate -PathType Leaf) { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Candidate) }
        else { $Candidate }
        $arguments = @('--candidate', $metrics)
        if ($TrainingWebServiceId) {
            if (-not $metrics.StartsWith('job:')) {
                $exception = [System.ArgumentException]::new(
                    "-TrainingWebServiceId names the training service of a job: give -FromJob or a job:JOB_ID -Candidate, or leave it out for a metrics file.", 'TrainingWebServiceId')
                $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($exception, 'AmlServiceWithoutJob', 'InvalidArgument', $Candidate))
            }
            $arguments += '--service', $TrainingWebServiceId
        }
        if ($Baseline) { $arguments += '--baseline', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Baseline) }
        if ($Target) { $arguments += '--target', $Target }
        if ($PolicyPath) { $arguments += '--policy', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($PolicyPath) }
        if ($RequireBaseline) { $arguments += '--require-baseline' }
        if ($Force) { $arguments += '--force' }
        if ($Reason) { $arguments += '--reason', $Reason }
        $result = Invoke-AmlRetrainCli -Command @('gate') -Arguments $arguments -SuccessExitCode 0, 8 -TypeName 'AmlRetrain.GateResult' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        if ($null -eq $result) { return }  # the CLI failed: its error was written
        if ($Quiet) { $result.outcome -eq 'pass' } else { $result }
    }
}
