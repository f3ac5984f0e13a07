function Invoke-AmlNewWebServiceScore {
    <#
    .SYNOPSIS
    Scores rows through a new (ARM) web service's Request-Response endpoint (smoke test).

    .DESCRIPTION
    Sends a .csv file (with a header) or a .json request body and returns the scored rows.

    Calls aml-retrain webservice score RG NAME --input FILE.

    .PARAMETER ResourceGroup
    Resource group of the web service. Binds from the pipeline by property name (ResourceGroup, or
    resource_group as webservice list prints it).

    .PARAMETER Name
    Name of the web service (Microsoft.MachineLearning/webServices). Binds from the pipeline by property
    name.

    .PARAMETER InputFile
    Rows to score: a .csv file with a header row, or a .json request body.

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

    .EXAMPLE
    Invoke-AmlNewWebServiceScore -ResourceGroup my-rg -Name census-model-ws -InputFile .\rows.csv

    .OUTPUTS
    AmlRetrain.ScoreResult: output_name, columns, rows.
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.ScoreResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroupName', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroup,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('WebServiceName')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Mandatory)]
        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $InputFile,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($InputFile)
        Invoke-AmlRetrainCli -Command @('webservice', 'score') -Arguments @($ResourceGroup, $Name, '--input', $file) -TypeName 'AmlRetrain.ScoreResult' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
