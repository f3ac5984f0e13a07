function Get-AmlOnlineEndpoint {
    <#
    .SYNOPSIS
    Gets Azure ML (v2) managed online endpoints of a workspace: traffic split, scoring URI, state.

    .DESCRIPTION
    Lists the managed online endpoints of a workspace, or shows one (with its ARM id and location).
    Each endpoint has name, provisioning_state, auth_mode, scoring_uri, traffic (deployment name ->
    percent) and mirror_traffic; keys are never printed. Every object also gets ResourceGroupName,
    WorkspaceName and EndpointName properties, so it pipes into Get-AmlOnlineDeployment,
    Start-AmlOnlineRetraining and Invoke-AmlOnlineScore.

    Calls aml-retrain online endpoints list RG WORKSPACE, or online endpoints show RG WORKSPACE
    ENDPOINT. Replaces Get-AzMLWorkspaceOnlineEndpoint (Az.MachineLearningServices) in the
    retraining flow. The promotion target of an endpoint is online:RG/WORKSPACE/ENDPOINT.

    .PARAMETER ResourceGroupName
    Resource group of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER WorkspaceName
    Name of the Azure ML workspace (Microsoft.MachineLearningServices/workspaces). The CLI checks it.
    Binds from the pipeline by property name.

    .PARAMETER Name
    Name of one online endpoint; without it every endpoint of the workspace is listed.

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
    Get-AmlOnlineEndpoint -ResourceGroupName ml-rg -WorkspaceName census-ws

    .EXAMPLE
    (Get-AmlOnlineEndpoint ml-rg census-ws census-online).traffic

    Shows the live traffic split, e.g. @{blue=100}.

    .EXAMPLE
    Get-AmlOnlineEndpoint ml-rg census-ws | Get-AmlOnlineDeployment | Format-Table endpoint, name, model_ref, traffic

    .OUTPUTS
    AmlRetrain.OnlineEndpoint: name, provisioning_state, auth_mode, scoring_uri, traffic,
    mirror_traffic (show: also id, location), plus ResourceGroupName, WorkspaceName, EndpointName.

    .LINK
    Get-AmlOnlineDeployment

    .LINK
    Get-AmlTarget
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('AmlRetrain.OnlineEndpoint')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroup', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroupName,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('Workspace')]
        [ValidateNotNullOrEmpty()]
        [string] $WorkspaceName,

        [Parameter(Mandatory, Position = 2, ParameterSetName = 'Show')]
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
        $endpoints = if ($PSCmdlet.ParameterSetName -eq 'Show') {
            Invoke-AmlRetrainCli -Command @('online', 'endpoints', 'show') -Arguments @($ResourceGroupName, $WorkspaceName, $Name) -TypeName 'AmlRetrain.OnlineEndpoint' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        }
        else {
            Invoke-AmlRetrainCli -Command @('online', 'endpoints', 'list') -Arguments @($ResourceGroupName, $WorkspaceName) -TypeName 'AmlRetrain.OnlineEndpoint' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        }
        # EndpointName too: the deployment, retraining and score cmdlets bind it by property name.
        $endpoints | Add-AmlOnlineLocation @location |
            ForEach-Object { $_ | Add-Member -NotePropertyName EndpointName -NotePropertyValue $_.name -Force -PassThru }
    }
}
