function Set-AmlWebServiceDefinitionModel {
    <#
    .SYNOPSIS
    Points the trained-model asset of a definition file at a new .ilearner.

    .DESCRIPTION
    Edits an exported definition file: an RFC 6902 JSON Patch (test, then replace of
    /properties/assets/ID/locationInfo/uri) is applied with guardrails, after a backup of the file. This
    is the "replace the trained-model asset's locationInfo.uri" step of the documented ARM flow.

    Calls aml-retrain webservice set-model --file DEF.json (--model-url URL | --from-job JOB_ID).
    -WhatIf runs the CLI's dry run and returns the patch without writing the file.

    .PARAMETER Path
    The definition file (JSON). Binds from the pipeline by property name (path, as
    Export-AmlWebServiceDefinition returns it).

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
    Set-AmlWebServiceDefinitionModel -Path .\ws.json -FromJob $job.job_id

    .EXAMPLE
    Set-AmlWebServiceDefinitionModel .\ws.json -ModelUrl https://acct.blob.core.windows.net/models/m.ilearner -WhatIf

    Prints the JSON Patch that would be applied; the file is unchanged.

    .OUTPUTS
    AmlRetrain.DefinitionChange: path, asset_id, asset_name, before_uri, after_uri, patch, dry_run,
    backup_path.

    .LINK
    Export-AmlWebServiceDefinition

    .LINK
    Update-AmlNewWebService
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', DefaultParameterSetName = 'FromJob')]
    [OutputType('AmlRetrain.DefinitionChange')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('File', 'FilePath')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

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
        $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        $dryRun = -not $PSCmdlet.ShouldProcess($file, 'Replace the trained-model asset URI')
        if ($dryRun -and -not $WhatIfPreference) { return }
        $arguments = @('--file', $file)

        if ($PSCmdlet.ParameterSetName -eq 'FromJob') {
            $arguments += '--from-job', $FromJob
            if ($TrainingWebServiceId) { $arguments += '--service', $TrainingWebServiceId }
        }
        else { $arguments += '--model-url', ($ModelUrl -split '\?')[0] }
        if ($AssetId) { $arguments += '--asset', $AssetId }
        if ($AssetName) { $arguments += '--asset-name', $AssetName }
        foreach ($prefix in @($Allow)) { if ($prefix) { $arguments += '--allow', $prefix } }
        if ($AllowOtherAccount) { $arguments += '--allow-other-account' }
        if ($dryRun) { $arguments += '--dry-run' }

        Invoke-AmlRetrainCli -Command @('webservice', 'set-model') -Arguments $arguments -TypeName 'AmlRetrain.DefinitionChange' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
