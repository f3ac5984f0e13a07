function Get-AmlRetrainingJob {
    <#
    .SYNOPSIS
    Gets a retraining (BES) job's status, outputs and metrics.

    .DESCRIPTION
    Reads the job's current status; a finished job also returns its outputs and Evaluate Model metrics.

    Calls aml-retrain classic jobs status JOB_ID.

    .PARAMETER JobId
    BES job id, as returned by Start-AmlRetraining. Binds from the pipeline by property name (job_id).

    .PARAMETER TrainingWebServiceId
    The training service that ran the job: a classic web service id, or arm:RG/NAME for a new (ARM)
    training web service. Needed only when the job is not in the local job journal (another machine or
    agent started it). Binds from web_service_id.

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
    Get-AmlRetrainingJob -JobId $job.job_id

    .EXAMPLE
    Get-AmlRetrainingJob 7d967ad8cc95495f8bebafc1fa36746a -TrainingWebServiceId $training.Id

    .OUTPUTS
    AmlRetrain.RetrainingJob
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.RetrainingJob')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('job_id')]
        [ValidateNotNullOrEmpty()]
        [string] $JobId,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('web_service_id')]
        [ValidateNotNullOrEmpty()]
        [string] $TrainingWebServiceId,

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
        $arguments = @($JobId)
        if ($TrainingWebServiceId) { $arguments += '--service', $TrainingWebServiceId }
        Invoke-AmlRetrainCli -Command @('classic', 'jobs', 'status') -Arguments $arguments -TypeName 'AmlRetrain.RetrainingJob' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
