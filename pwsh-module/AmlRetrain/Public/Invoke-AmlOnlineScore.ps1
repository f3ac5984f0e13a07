function Invoke-AmlOnlineScore {
    <#
    .SYNOPSIS
    Scores rows through an Azure ML (v2) managed online endpoint (smoke test).

    .DESCRIPTION
    Posts the rows of a .csv file (with a header row) or a .json request body to the endpoint's
    scoring URI and returns the predictions, the deployment that answered (from the response's
    azureml-model-deployment header) and the latency. The CLI gets the endpoint key (listKeys) or an
    AAD token itself: no key passes through PowerShell. With -DeploymentName the request is sent to
    that deployment, whatever the traffic split, e.g. to check a new deployment before or after the
    traffic moves.

    Calls aml-retrain online score RG WORKSPACE ENDPOINT --input FILE [--deployment NAME].

    .PARAMETER ResourceGroupName
    Resource group of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER WorkspaceName
    Name of the Azure ML workspace. Binds from the pipeline by property name.

    .PARAMETER EndpointName
    Name of the online endpoint. Binds from the pipeline by property name (EndpointName of an
    endpoint from Get-AmlOnlineEndpoint, endpoint of a deployment).

    .PARAMETER InputFile
    Rows to score: a .csv file with a header row, or a .json request body.

    .PARAMETER DeploymentName
    Send the request to this deployment (the azureml-model-deployment header). Default: the endpoint
    routes it by its traffic split.

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
    Invoke-AmlOnlineScore -ResourceGroupName ml-rg -WorkspaceName census-ws -EndpointName census-online -InputFile .\rows.csv

    .EXAMPLE
    (Invoke-AmlOnlineScore ml-rg census-ws census-online -InputFile .\rows.json -DeploymentName census-model-v3).deployment

    .EXAMPLE
    Get-AmlOnlineEndpoint ml-rg census-ws | Invoke-AmlOnlineScore -InputFile .\rows.csv | Format-Table endpoint, deployment, latency_ms

    .OUTPUTS
    AmlRetrain.OnlineScoreResult: endpoint, deployment, predictions, latency_ms.

    .LINK
    Get-AmlOnlineEndpoint
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.OnlineScoreResult')]
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

        [Parameter(Mandatory)]
        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $InputFile,

        [ValidateNotNullOrEmpty()]
        [string] $DeploymentName,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $arguments = @($ResourceGroupName, $WorkspaceName, $EndpointName, '--input', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($InputFile))
        if ($DeploymentName) { $arguments += '--deployment', $DeploymentName }
        Invoke-AmlRetrainCli -Command @('online', 'score') -Arguments $arguments -TypeName 'AmlRetrain.OnlineScoreResult' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
