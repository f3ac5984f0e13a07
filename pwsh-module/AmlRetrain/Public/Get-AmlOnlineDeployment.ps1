function Get-AmlOnlineDeployment {
    <#
    .SYNOPSIS
    Gets the deployments of an Azure ML (v2) managed online endpoint: model, state, live traffic.

    .DESCRIPTION
    Lists the deployments of one online endpoint, or shows one. Each deployment has name, endpoint,
    model (the ARM id of the model version), model_ref (azureml:NAME:VERSION, the form promotions
    record), provisioning_state, instance_type, instance_count and traffic (its live percent). Every
    object also gets ResourceGroupName and WorkspaceName, so it pipes into Invoke-AmlOnlineScore.

    Calls aml-retrain online deployments list RG WORKSPACE ENDPOINT, or online deployments show RG
    WORKSPACE ENDPOINT DEPLOYMENT. Replaces Get-AzMLWorkspaceOnlineDeployment in the retraining flow.

    .PARAMETER ResourceGroupName
    Resource group of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER WorkspaceName
    Name of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER EndpointName
    Name of the online endpoint. Binds from the pipeline by property name (EndpointName of an
    endpoint from Get-AmlOnlineEndpoint, endpoint of a deployment).

    .PARAMETER Name
    Name of one deployment, e.g. blue; without it every deployment of the endpoint is listed.

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
    Get-AmlOnlineDeployment -ResourceGroupName ml-rg -WorkspaceName census-ws -EndpointName census-online

    .EXAMPLE
    Get-AmlOnlineDeployment ml-rg census-ws census-online blue | Select-Object model_ref, provisioning_state

    .EXAMPLE
    Get-AmlOnlineEndpoint ml-rg census-ws | Get-AmlOnlineDeployment | Where-Object traffic -gt 0

    Shows the deployments that take live traffic on every endpoint of the workspace.

    .OUTPUTS
    AmlRetrain.OnlineDeployment: name, endpoint, model, model_ref, provisioning_state, instance_type,
    instance_count, traffic, plus ResourceGroupName and WorkspaceName.

    .LINK
    Get-AmlOnlineEndpoint

    .LINK
    Publish-AmlModel
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('AmlRetrain.OnlineDeployment')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroup', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroupName,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('Workspace')]
        [ValidateNotNullOrEmpty()]
        [string] $WorkspaceName,

        [Parameter(Mandatory, Position = 2, ValueFromPipelineByPropertyName)]
        [Alias('endpoint')]
        [ValidateNotNullOrEmpty()]
        [string] $EndpointName,

        # Not bound from the pipeline: an endpoint's (or a deployment's) name is not a deployment to pick.
        [Parameter(Mandatory, Position = 3, ParameterSetName = 'Show')]
        [Alias('DeploymentName')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $location = @{ ResourceGroupName = $ResourceGroupName; WorkspaceName = $WorkspaceName }
        if ($PSCmdlet.ParameterSetName -eq 'Show') {
            Invoke-AmlRetrainCli -Command @('online', 'deployments', 'show') -Arguments @($ResourceGroupName, $WorkspaceName, $EndpointName, $Name) -TypeName 'AmlRetrain.OnlineDeployment' -BoundParameters $PSBoundParameters -Caller $PSCmdlet |
                Add-AmlOnlineLocation @location
        }
        else {
            Invoke-AmlRetrainCli -Command @('online', 'deployments', 'list') -Arguments @($ResourceGroupName, $WorkspaceName, $EndpointName) -TypeName 'AmlRetrain.OnlineDeployment' -BoundParameters $PSBoundParameters -Caller $PSCmdlet |
                Add-AmlOnlineLocation @location
        }
    }
}
