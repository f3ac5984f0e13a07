function Update-AmlNewWebServiceModel {
    <#
    .SYNOPSIS
    Points a live new (ARM) web service's trained-model asset at a new .ilearner.

    .DESCRIPTION
    The one-step form of the ARM flow: backs up the live definition, sends a minimal PATCH that changes
    only the asset's URI, polls the operation, re-reads the service and restores the backup when the
    service still references the old model.

    Calls aml-retrain webservice set-model RG NAME (--model-url URL | --from-job JOB_ID). -WhatIf runs
    the CLI's dry run and returns the patch that would be sent.

    .PARAMETER ResourceGroup
    Resource group of the web service. Binds from the pipeline by property name (ResourceGroup, or
    resource_group as webservice list prints it).

    .PARAMETER Name
    Name of the web service (Microsoft.MachineLearning/webServices). Binds from the pipeline by property
    name.

    .PARAMETER ModelUrl
    URL of the .ilearner blob. A SAS query string is removed before the call (the definition stores the
    bare URI; the service reads the blob with the storage account key).

    .PARAMETER FromJob
    Id of a finished classic retraining job whose .ilearner output becomes the model. Binds from job_id.

    .PARAMETER TrainingWebServiceId
    The training service that ran the job: a classic web service id, or arm:RG/NAME for a new (ARM)
    training web service (the CLI's service option). Needed only when the job is not in the local job
    journal (another machine or agent started it). Binds from web_service_id (the output of
    Start-AmlRetraining). Only with -FromJob: it belongs to that parameter set, so PowerShell refuses it
    with the other sets' parameters.

    .PARAMETER AssetId
    Id of the trained-model asset (e.g. asset3), when the definition has more than one.

    .PARAMETER AssetName
    Name of the trained-model asset, e.g. 'Census Model [trained model]'.

    .PARAMETER Allow
    JSON Pointer prefixes that may change besides the asset URI, e.g. /properties/package. Guarded paths
    are refused otherwise.

    .PARAMETER AllowOtherAccount
    Accept a model blob outside the web service's storage account.

    .PARAMETER TimeoutSec
    Budget in seconds for an ARM web service write (PATCH and polling; the CLI's timeout option,
    default 900); the write may still finish after it. Classic writes are one request each, limited by
    AML_RETRAIN_TIMEOUT.

    .PARAMETER ProfilePath
    Profile file with the service endpoints and the CA bundle to trust (the CLI's global profile
    option). Default: $env:AML_RETRAIN_PROFILE, else ~/.aml-retrain/profile.json when it exists.

    .PARAMETER SubscriptionId
    Azure subscription id of the new (ARM) web services. Default: $env:AML_RETRAIN_SUBSCRIPTION_ID,
    $env:AZURE_SUBSCRIPTION_ID or the profile.

    .PARAMETER ArmToken
    A bearer token for Azure Resource Manager as a SecureString, e.g. (Get-AzAccessToken).Token with
    Az.Accounts 5 or later. Passed in AML_RETRAIN_ARM_TOKEN, never on the command line. Without it the
    CLI signs in with azure-identity (AML_RETRAIN_AUTH).

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
    Update-AmlNewWebServiceModel -ResourceGroup my-rg -Name census-model-ws -FromJob $job.job_id

    .EXAMPLE
    Get-AmlNewWebService -ResourceGroup my-rg | Update-AmlNewWebServiceModel -ModelUrl $url -WhatIf

    .OUTPUTS
    AmlRetrain.DefinitionChange: resource_id, asset_id, before_uri, after_uri, patch, dry_run,
    backup_path, verified.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'FromJob')]
    [OutputType('AmlRetrain.DefinitionChange')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroupName', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroup,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('WebServiceName')]
        [ValidateNotNullOrEmpty()]
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

        [ValidateNotNullOrEmpty()]
        [string] $AssetId,

        [ValidateNotNullOrEmpty()]
        [string] $AssetName,

        [ValidatePattern('^/')]
        [string[]] $Allow,

        [switch] $AllowOtherAccount,

        [ValidateRange(1, 86400)]
        [int] $TimeoutSec,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken,

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
        $dryRun = -not $PSCmdlet.ShouldProcess("$ResourceGroup/$Name", 'Replace the trained model')
        if ($dryRun -and -not $WhatIfPreference) { return }
        $arguments = @($ResourceGroup, $Name)

        if ($PSCmdlet.ParameterSetName -eq 'FromJob') {
            $arguments += '--from-job', $FromJob
            if ($TrainingWebServiceId) { $arguments += '--service', $TrainingWebServiceId }
        }
        else { $arguments += '--model-url', ($ModelUrl -split '\?')[0] }
        if ($AssetId) { $arguments += '--asset', $AssetId }
        if ($AssetName) { $arguments += '--asset-name', $AssetName }
        foreach ($prefix in @($Allow)) { if ($prefix) { $arguments += '--allow', $prefix } }
        if ($AllowOtherAccount) { $arguments += '--allow-other-account' }
        if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
        if ($dryRun) { $arguments += '--dry-run' }

        Invoke-AmlRetrainCli -Command @('webservice', 'set-model') -Arguments $arguments -TypeName 'AmlRetrain.DefinitionChange' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
