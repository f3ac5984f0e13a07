function Start-AmlOnlineRetraining {
    <#
    .SYNOPSIS
    Retrains the model behind an Azure ML (v2) online endpoint with a command job, and registers it.

    .DESCRIPTION
    By default re-submits the command job that trained the model serving now on -EndpointName (the
    deployment with the most traffic), with -Data bound as its training input; with -JobFile, submits
    your az ml job YAML instead. A local data file is uploaded to blob storage first. Waits for the
    job (the CLI's -TimeoutSec budget), reads its MLflow metrics and registers its model output as a
    new version of -ModelName (default: the serving model's name).

    The result's model (azureml:NAME:VERSION) and job_id feed the promotion cmdlets for the target
    online:RG/WORKSPACE/ENDPOINT: Test-AmlModelGate -FromJob, New-AmlPromotionPlan -FromJob,
    Publish-AmlModel -FromJob or -ModelUrl. A job that failed or was canceled is an AmlCliFailed
    error whose TargetObject is the result (status, job_id).

    Calls aml-retrain online retrain RG WORKSPACE --data FILE|URL [--job JOB.yaml] [--endpoint
    ENDPOINT] [--model-name NAME] [--timeout SECONDS]. The CLI has no dry run for this command: under
    -WhatIf nothing is called.

    .PARAMETER ResourceGroupName
    Resource group of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER WorkspaceName
    Name of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER Data
    Training data: a local file (uploaded first) or a URL the job can read.

    .PARAMETER EndpointName
    The online endpoint whose serving model's training job is re-submitted. Binds from the pipeline by
    property name (an endpoint from Get-AmlOnlineEndpoint). Needed unless -JobFile is given.

    .PARAMETER JobFile
    An az ml command job YAML to submit instead of re-submitting the serving model's job.

    .PARAMETER ModelName
    Registered model to add the new version to (default: the serving model's name).

    .PARAMETER TimeoutSec
    Wall-clock budget in seconds for the job (the CLI's default applies when omitted). When it runs
    out the CLI reports a timeout (AmlTimeout).

    .PARAMETER StorageConnectionString
    Storage connection string (SecureString) for uploading a local data file; passed in
    AML_RETRAIN_STORAGE_CONNECTION_STRING, never on the command line.

    .PARAMETER ProfilePath
    Profile file with the service endpoints and the CA bundle to trust (the CLI's global profile
    option). Default: $env:AML_RETRAIN_PROFILE, else ~/.aml-retrain/profile.json when it exists.

    .PARAMETER SubscriptionId
    Azure subscription id of the workspace. Default: $env:AML_RETRAIN_SUBSCRIPTION_ID,
    $env:AZURE_SUBSCRIPTION_ID or the profile.

    .PARAMETER ArmToken
    A bearer token for Azure Resource Manager as a SecureString, e.g. (Get-AzAccessToken).Token with
    Az.Accounts 5 or later. Passed in AML_RETRAIN_ARM_TOKEN, never on the command line. Without it the
    CLI signs in with azure-identity (AML_RETRAIN_AUTH).

    .EXAMPLE
    $job = Start-AmlOnlineRetraining -ResourceGroupName ml-rg -WorkspaceName census-ws -EndpointName census-online -Data .\census-2026.csv -Confirm:$false
    $job.model; $job.metrics.Accuracy

    .EXAMPLE
    Get-AmlOnlineEndpoint ml-rg census-ws census-online | Start-AmlOnlineRetraining -Data https://acct.blob.core.windows.net/data/new.csv -TimeoutSec 7200 -Confirm:$false |
        Publish-AmlModel -Target 'online:ml-rg/census-ws/census-online' -Gate -Confirm:$false

    .EXAMPLE
    Start-AmlOnlineRetraining ml-rg census-ws -Data .\new.csv -JobFile .\train-job.yml -ModelName census-model -Confirm:$false

    .OUTPUTS
    AmlRetrain.OnlineRetrainingJob: job_id, status, model_name, model_version, model, metrics, plus
    ResourceGroupName and WorkspaceName.

    .LINK
    Test-AmlModelGate

    .LINK
    Publish-AmlModel
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('AmlRetrain.OnlineRetrainingJob')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroup', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroupName,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('Workspace')]
        [ValidateNotNullOrEmpty()]
        [string] $WorkspaceName,

        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $Data,

        [Parameter(ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $EndpointName,

        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $JobFile,

        [ValidateNotNullOrEmpty()]
        [string] $ModelName,

        [ValidateRange(1, 604800)]
        [int] $TimeoutSec,

        [securestring] $StorageConnectionString,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $where = if ($EndpointName) { "$ResourceGroupName/$WorkspaceName/$EndpointName" } else { "$ResourceGroupName/$WorkspaceName" }
        if (-not $PSCmdlet.ShouldProcess($where, "Retrain with $Data")) { return }
        $source = if ($Data -match '^https?://') { $Data } else { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Data) }
        $arguments = @($ResourceGroupName, $WorkspaceName, '--data', $source)
        if ($JobFile) { $arguments += '--job', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($JobFile) }
        if ($EndpointName) { $arguments += '--endpoint', $EndpointName }
        if ($ModelName) { $arguments += '--model-name', $ModelName }
        if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
        Invoke-AmlRetrainCli -Command @('online', 'retrain') -Arguments $arguments -TypeName 'AmlRetrain.OnlineRetrainingJob' -BoundParameters $PSBoundParameters -Caller $PSCmdlet |
            Add-AmlOnlineLocation -ResourceGroupName $ResourceGroupName -WorkspaceName $WorkspaceName
    }
}
