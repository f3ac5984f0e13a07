function Update-AmlWebServiceEndpoint {
    <#
    .SYNOPSIS
    Points a classic endpoint's trained model at a new .ilearner (PATCH, then read-back).

    .DESCRIPTION
    Replaces the trained-model resource of a non-default endpoint. The model is a blob URL (-ModelUrl),
    the .ilearner output of a finished retraining job (-FromJob), or the azuremlps triple -BaseLocation,
    -RelativeLocation, -SasBlobToken. The CLI validates everything first (endpoint, resource name,
    .ilearner suffix, SAS expiry), backs up the endpoint, PATCHes, reads it back and fails when the
    service still reports the old model.

    Calls aml-retrain classic endpoints set-model SERVICE_ID ENDPOINT with the model URL given on
    standard input (so a SAS signature never appears on a command line), or with the job id. -WhatIf
    runs the CLI's dry run and returns the PATCH body that would be sent. Alias:
    Patch-AmlWebServiceEndpoint (the azuremlps name).

    .PARAMETER WebServiceId
    Id of the predictive web service that owns the endpoint (32 hex digits). Binds from the pipeline by
    property name (WebServiceId of an endpoint object).

    .PARAMETER Name
    Endpoint name, e.g. retrained01. Binds from the pipeline by property name (Name of an endpoint
    object from Get-AmlWebServiceEndpoint).

    .PARAMETER ModelUrl
    URL of the .ilearner blob, with or without a SAS. Without one, the CLI mints a one-hour read SAS
    from the storage connection string.

    .PARAMETER FromJob
    Id of a finished retraining job whose .ilearner output becomes the model. Binds from job_id (the
    output of Start-AmlRetraining).

    .PARAMETER TrainingWebServiceId
    The training service that ran the job: a classic web service id, or arm:RG/NAME for a new (ARM)
    training web service (the CLI's service option). Needed only when the job is not in the local job
    journal (another machine or agent started it). Binds from web_service_id (the output of
    Start-AmlRetraining). Only with -FromJob: it belongs to that parameter set, so PowerShell refuses it
    with the other sets' parameters.

    .PARAMETER BaseLocation
    azuremlps style: the storage account URL, e.g. https://acct.blob.core.windows.net/.

    .PARAMETER RelativeLocation
    azuremlps style: container/blob path of the .ilearner.

    .PARAMETER SasBlobToken
    azuremlps style: the SAS query string (starting with '?'), as the BES job output gives it.

    .PARAMETER ResourceName
    Trained-model resource to replace (default: the endpoint's only one), e.g. 'Census Model [trained
    model]'.

    .PARAMETER StorageConnectionString
    Storage connection string (SecureString) used to mint the SAS when the URL has none; passed in
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
    Update-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name retrained01 -FromJob $job.job_id

    .EXAMPLE
    Start-AmlRetraining $training.Id -Data .\new-data.csv | Update-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name retrained01 -WhatIf

    Retrains, then shows the PATCH body the swap would send (the job id binds from job_id).

    .EXAMPLE
    Patch-AmlWebServiceEndpoint -WebServiceId $svc -EndpointName retrained01 -ResourceName 'Census Model [trained model]' `
        -BaseLocation $out.BaseLocation -RelativeLocation $out.RelativeLocation -SasBlobToken $out.SasBlobToken

    The azuremlps call, unchanged, through the alias.

    .OUTPUTS
    AmlRetrain.ModelUpdate: web_service_id, endpoint, resource_name, patch_url, dry_run, body, before,
    after, backup_path, verified.

    .LINK
    Start-AmlRetraining

    .LINK
    Get-AmlWebServiceEndpoint
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'FromJob')]
    [Alias('Patch-AmlWebServiceEndpoint')]
    [OutputType('AmlRetrain.ModelUpdate')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('EndpointName', 'Endpoint')]
        [ValidatePattern('^(?=.{1,24}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$', Options = 'None')]
        [string] $Name,

        [Parameter(Mandatory, ParameterSetName = 'ModelUrl')]
        [ValidatePattern('^https?://')]
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

        [Parameter(Mandatory, ParameterSetName = 'Location')]
        [ValidatePattern('^https?://')]
        [string] $BaseLocation,

        [Parameter(Mandatory, ParameterSetName = 'Location')]
        [ValidatePattern('\.ilearner$')]
        [string] $RelativeLocation,

        [Parameter(ParameterSetName = 'Location')]
        [string] $SasBlobToken,

        [ValidateNotNullOrEmpty()]
        [string] $ResourceName,

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
        $model = switch ($PSCmdlet.ParameterSetName) {
            'FromJob' { "the output of job $FromJob" }
            'ModelUrl' { ($ModelUrl -split '\?')[0] }
            'Location' { $BaseLocation.TrimEnd('/') + '/' + $RelativeLocation.TrimStart('/') }
        }
        $dryRun = -not $PSCmdlet.ShouldProcess("$WebServiceId/$Name", "Point the trained model at $model")
        if ($dryRun -and -not $WhatIfPreference) { return }

        $arguments = @($WebServiceId, $Name)
        $url = $null
        if ($PSCmdlet.ParameterSetName -eq 'FromJob') {
            $arguments += '--from-job', $FromJob
            if ($TrainingWebServiceId) { $arguments += '--service', $TrainingWebServiceId }
        }
        else {
            $url = if ($PSCmdlet.ParameterSetName -eq 'Location') {
                $sas = if ($SasBlobToken -and -not $SasBlobToken.StartsWith('?')) { "?$SasBlobToken" } else { $SasBlobToken }
                $model + $sas
            }
            else { $ModelUrl }
            # '-' makes the CLI read the URL from stdin: a SAS signature never reaches argv.
            $arguments += '--model-url', '-'
        }
        if ($ResourceName) { $arguments += '--resource-name', $ResourceName }
        if ($dryRun) { $arguments += '--dry-run' }
        Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'set-model') -Arguments $arguments -InputText $url -TypeName 'AmlRetrain.ModelUpdate' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
