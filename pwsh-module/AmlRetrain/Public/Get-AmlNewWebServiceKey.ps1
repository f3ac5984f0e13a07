function Get-AmlNewWebServiceKey {
    <#
    .SYNOPSIS
    Gets the API keys of a new (ARM) web service.

    .DESCRIPTION
    Returns the primary and secondary keys; their values only with -ShowKeys (otherwise "<hidden>").

    Calls aml-retrain webservice keys RG NAME.

    .PARAMETER ResourceGroup
    Resource group of the web service. Binds from the pipeline by property name (ResourceGroup, or
    resource_group as webservice list prints it).

    .PARAMETER Name
    Name of the web service (Microsoft.MachineLearning/webServices). Binds from the pipeline by property
    name.

    .PARAMETER ShowKeys
    Return the key values (plain text).

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
    (Get-AmlNewWebServiceKey my-rg census-model-ws -ShowKeys).primary

    .OUTPUTS
    AmlRetrain.NewWebServiceKey: primary, secondary.
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.NewWebServiceKey')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroupName', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroup,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('WebServiceName')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [switch] $ShowKeys,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $arguments = @($ResourceGroup, $Name)
        if ($ShowKeys) { $arguments += '--show-keys' }
        Invoke-AmlRetrainCli -Command @('webservice', 'keys') -Arguments $arguments -TypeName 'AmlRetrain.NewWebServiceKey' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
