function Get-AmlTarget {
    <#
    .SYNOPSIS
    Gets what a promotion target serves now: its model, the hash of its live state and where it is.

    .DESCRIPTION
    Reads the target through its kind (a classic endpoint's trained-model resource, an ARM web
    service's trained-model asset, ...) and changes nothing. The result has target (the canonical
    text), model_url (without SAS), state_hash (what a plan's stale check compares) and detail (as
    the ledger records it in target_detail).

    The module does not parse the target: the CLI does, so every kind it knows works here without a
    change to the module. A malformed target is the CLI's usage error (exit 2), an AmlUsage error
    (InvalidArgument) with the CLI's one-line message, raised before anything is read. On an Azure
    DevOps agent the CLI also sets the output variables modelUrl and stateHash.

    Calls aml-retrain target show TARGET.

    .PARAMETER Target
    The promotion target, e.g. classic:SERVICE_ID/ENDPOINT, arm:RG/NAME or online:RG/WORKSPACE/ENDPOINT
    (docs/promotion.md lists the forms). Binds from the pipeline by value (target strings) and by property name (target of a ledger
    entry, a plan or a promotion result).

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

    .EXAMPLE
    Get-AmlTarget -Target "classic:$($predictive.Id)/retrained01"

    .EXAMPLE
    if ((Get-AmlTarget 'arm:my-rg/census-model-ws').model_url -ne $job.model_url_without_sas) { throw 'not serving the new model' }

    .EXAMPLE
    (Get-AmlTarget 'online:ml-rg/census-ws/census-online').detail.traffic

    An online endpoint's model_url is the serving deployment's model version (azureml:NAME:VERSION);
    its detail has the serving deployment, the traffic split and each deployment's model.

    .EXAMPLE
    Get-AmlPromotionLedger | Select-Object -Property target -Unique | Get-AmlTarget | Format-Table target, model_url

    Shows what every target in the ledger serves now.

    .OUTPUTS
    AmlRetrain.TargetState: target, model_url, state_hash, detail.

    .LINK
    Publish-AmlModel

    .LINK
    Get-AmlPromotionLedger
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.TargetState')]
    param(
        # No ValidatePattern: the target grammar is the CLI's (one place, every kind).
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
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

        [securestring] $ArmToken
    )

    process {
        Invoke-AmlRetrainCli -Command @('target', 'show') -Arguments @($Target) -TypeName 'AmlRetrain.TargetState' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
