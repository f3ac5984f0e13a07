function Start-AmlRetraining {
    <#
    .SYNOPSIS
    Retrains a training web service (classic, or new ARM) through its Batch Execution Service (BES).

    .DESCRIPTION
    Uploads the training data (a local .csv/.tsv/.arff file) or uses a blob URL, submits and starts the
    BES job, and by default waits for it (exponential backoff, -TimeoutSec budget) and returns its
    outputs and Evaluate Model metrics. With -NoWait it returns as soon as the job runs; resume with
    Wait-AmlRetrainingJob. Jobs are recorded in the local journal, so later commands need only the id.

    Calls aml-retrain classic retrain TRAINING_SERVICE_ID --data FILE|BLOB_URL for a classic training
    service (-WebServiceId), or aml-retrain webservice retrain RG NAME --data FILE|BLOB_URL for a new
    (ARM) training web service (-ResourceGroupName and -Name): same options, same result object.
    -TrainingWebServiceId takes either as one reference (a classic id or arm:RG/NAME, as the job
    cmdlets' training service) and hands it to classic retrain, which runs the kind it names. The
    CLI has no dry run for this command: under -WhatIf nothing is called. It replaces azuremlps'
    Invoke-AmlWebServiceBESEndpoint, whose API key, job URL and raw job JSON the CLI does not take.

    .PARAMETER WebServiceId
    Id of the classic training web service ([Training Exp.]). Binds from Id of a web service object.

    .PARAMETER ResourceGroupName
    Resource group of the new (ARM) training web service (as Get-AzMlWebService -ResourceGroupName).
    Binds from the pipeline by property name (ResourceGroup, or resource_group as webservice list
    prints it).

    .PARAMETER Name
    Name of the new (ARM) training web service (Microsoft.MachineLearning/webServices). Binds from
    the pipeline by property name.

    .PARAMETER TrainingWebServiceId
    The training web service as one reference: a classic web service id or arm:RG/NAME (the form
    web_service_id of a retraining job has). The CLI checks it: a malformed one is an AmlUsage error.

    .PARAMETER Data
    Training data: a local .csv, .tsv or .arff file (uploaded first) or a blob URL.

    .PARAMETER InputName
    BES input to feed (default: the only one).

    .PARAMETER OutputDirectory
    Blob prefix container/path for the outputs, e.g. models/retrain.

    .PARAMETER ModelOutput
    Output holding the trained model (default: the .ilearner output, e.g. output1).

    .PARAMETER GlobalParameter
    BES global parameters as NAME = VALUE pairs, e.g. @{ 'Random seed' = 42 }.

    .PARAMETER NoWait
    Return the job as soon as it runs (status Running).

    .PARAMETER TimeoutSec
    Wall-clock budget in seconds (the CLI's default is 1800). When it runs out the job is cancelled and
    an OperationTimeout error (AmlTimeout) is raised.

    .PARAMETER StorageConnectionString
    Storage connection string (SecureString) for the upload and the outputs; passed in
    AML_RETRAIN_STORAGE_CONNECTION_STRING, never on the command line.

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
    $job = Start-AmlRetraining -WebServiceId $training.Id -Data .\census-2026.csv -OutputDirectory models/retrain -TimeoutSec 3600
    $job.metrics.values.AUC

    .EXAMPLE
    Start-AmlRetraining $training.Id https://acct.blob.core.windows.net/data/new.csv -NoWait | Wait-AmlRetrainingJob

    .EXAMPLE
    $job = Start-AmlRetraining -ResourceGroupName my-rg -Name census-training-ws -Data .\census-2026.csv -Confirm:$false

    Retrains a new (ARM) training web service; $job has the same fields as a classic retraining job.

    .EXAMPLE
    Start-AmlRetraining -TrainingWebServiceId $env:TRAINING_SERVICE -Data .\census-2026.csv -Confirm:$false

    A classic id or arm:RG/NAME from a setting, without telling the two apart.

    .OUTPUTS
    AmlRetrain.RetrainingJob: job_id, web_service_id, status, outputs, model_output,
    model_url_without_sas, metrics, details, warnings.

    .LINK
    Wait-AmlRetrainingJob

    .LINK
    Update-AmlWebServiceEndpoint
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Classic')]
    [OutputType('AmlRetrain.RetrainingJob')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Classic', ValueFromPipelineByPropertyName)]
        [Alias('Id')]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Mandatory, ParameterSetName = 'Arm', ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroup', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroupName,

        [Parameter(Mandatory, ParameterSetName = 'Arm', ValueFromPipelineByPropertyName)]
        [Alias('WebServiceName')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        # No ValidatePattern: a training-service reference is the CLI's to parse (one place, every kind).
        [Parameter(Mandatory, ParameterSetName = 'Reference')]
        [ValidateNotNullOrEmpty()]
        [string] $TrainingWebServiceId,

        [Parameter(Mandatory, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Data,

        [ValidateNotNullOrEmpty()]
        [string] $InputName,

        [ValidateNotNullOrEmpty()]
        [string] $OutputDirectory,

        [ValidateNotNullOrEmpty()]
        [string] $ModelOutput,

        [hashtable] $GlobalParameter,

        [switch] $NoWait,

        [ValidateRange(1, 604800)]
        [int] $TimeoutSec,

        [securestring] $StorageConnectionString,

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
        $service = switch ($PSCmdlet.ParameterSetName) {
            'Arm' { "$ResourceGroupName/$Name" }
            'Reference' { $TrainingWebServiceId }
            default { $WebServiceId }
        }
        if (-not $PSCmdlet.ShouldProcess($service, "Retrain with $Data")) { return }
        $source = if ($Data -match '^https?://') { $Data } else { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Data) }
        $arguments = @('--data', $source)
        if ($InputName) { $arguments += '--input-name', $InputName }
        if ($OutputDirectory) { $arguments += '--output-dir', $OutputDirectory }
        if ($ModelOutput) { $arguments += '--model-output', $ModelOutput }
        foreach ($entry in ($GlobalParameter ?? @{}).GetEnumerator()) {
            $arguments += '--global', ('{0}={1}' -f $entry.Key, $entry.Value)
        }
        if ($NoWait) { $arguments += '--no-wait' }
        if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
        if ($PSCmdlet.ParameterSetName -ne 'Arm') {
            Invoke-AmlRetrainCli -Command @('classic', 'retrain') -Arguments (@($service) + $arguments) -TypeName 'AmlRetrain.RetrainingJob' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        }
        else {
            Invoke-AmlRetrainCli -Command @('webservice', 'retrain') -Arguments (@($ResourceGroupName, $Name) + $arguments) -TypeName 'AmlRetrain.RetrainingJob' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        }
    }
}
