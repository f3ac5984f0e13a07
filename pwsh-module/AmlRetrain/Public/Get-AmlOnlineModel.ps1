function Get-AmlOnlineModel {
    <#
    .SYNOPSIS
    Gets the registered models of an Azure ML (v2) workspace, or the versions of one model.

    .DESCRIPTION
    Without -Name, lists the workspace's model containers (name, latest_version). With -Name, lists
    that model's versions: name, version, model_ref (azureml:NAME:VERSION, what Publish-AmlModel
    -ModelUrl and the ledger take for an online target), model_uri, job_name (the job that produced
    it) and created. Every object also gets ResourceGroupName and WorkspaceName, so a container
    piped back in lists its versions.

    Calls aml-retrain online models list RG WORKSPACE [--name NAME].

    .PARAMETER ResourceGroupName
    Resource group of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER WorkspaceName
    Name of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER Name
    A registered model's name: its versions are listed. Binds from the pipeline by property name
    (name of a model container, model_name of a retraining result).

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
    Get-AmlOnlineModel -ResourceGroupName ml-rg -WorkspaceName census-ws

    .EXAMPLE
    Get-AmlOnlineModel ml-rg census-ws -Name census-model | Sort-Object { [int]$_.version } | Select-Object -Last 1 -ExpandProperty model_ref

    The newest version as azureml:census-model:N.

    .EXAMPLE
    Get-AmlOnlineModel ml-rg census-ws | Get-AmlOnlineModel | Format-Table name, version, job_name

    Every version of every model of the workspace.

    .OUTPUTS
    AmlRetrain.OnlineModel: containers (name, latest_version) or versions (name, version, model_ref,
    model_uri, job_name, created), plus ResourceGroupName and WorkspaceName.

    .LINK
    Start-AmlOnlineRetraining

    .LINK
    Publish-AmlModel
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.OnlineModel')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroup', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroupName,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('Workspace')]
        [ValidateNotNullOrEmpty()]
        [string] $WorkspaceName,

        [Parameter(Position = 2, ValueFromPipelineByPropertyName)]
        [Alias('ModelName', 'model_name')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $arguments = @($ResourceGroupName, $WorkspaceName)
        if ($Name) { $arguments += '--name', $Name }
        Invoke-AmlRetrainCli -Command @('online', 'models', 'list') -Arguments $arguments -TypeName 'AmlRetrain.OnlineModel' -BoundParameters $PSBoundParameters -Caller $PSCmdlet |
            Add-AmlOnlineLocation -ResourceGroupName $ResourceGroupName -WorkspaceName $WorkspaceName
    }
}
