function Get-AmlNewWebService {
    <#
    .SYNOPSIS
    Gets new (ARM) Azure ML web services.

    .DESCRIPTION
    Lists the web services of the subscription (or of one resource group), or shows one as Azure
    Resource Manager returns it (no keys). Every object gets a ResourceGroup property, so the output
    pipes into Export-AmlWebServiceDefinition, Update-AmlNewWebServiceModel and the other
    new-web-service cmdlets.

    Calls aml-retrain webservice list [--resource-group RG], or webservice show RG NAME. Replaces
    Get-AzMlWebService.

    .PARAMETER ResourceGroup
    Resource group: required with -Name; without -Name, only the web services of this group are listed.

    .PARAMETER Name
    Name of one web service.

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
    Get-AmlNewWebService -ResourceGroup my-rg

    .EXAMPLE
    $ws = Get-AmlNewWebService -ResourceGroup my-rg -Name census-model-ws
    $ws.properties.assets.PSObject.Properties.Value | Where-Object type -eq Resource

    Shows the trained-model asset (the ARM definition's own field names).

    .OUTPUTS
    AmlRetrain.NewWebService: list entries (name, resource_group, location, title, provisioning_state,
    read_only, id) or the ARM resource (id, name, location, tags, properties), plus ResourceGroup.

    .LINK
    Export-AmlWebServiceDefinition
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('AmlRetrain.NewWebService')]
    param(
        [Parameter(ParameterSetName = 'List', Position = 0)]
        [Parameter(ParameterSetName = 'Show', Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroupName', 'resource_group')]
        [ValidateNotNullOrEmpty()]
        [string] $ResourceGroup,

        [Parameter(ParameterSetName = 'Show', Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Show') {
            $service = Invoke-AmlRetrainCli -Command @('webservice', 'show') -Arguments @($ResourceGroup, $Name) -TypeName 'AmlRetrain.NewWebService' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
            # Nothing when the CLI failed (a non-terminating error was written).
            if ($null -ne $service) { $service | Add-Member -NotePropertyName ResourceGroup -NotePropertyValue $ResourceGroup -PassThru }
        }
        else {
            $arguments = if ($ResourceGroup) { @('--resource-group', $ResourceGroup) } else { @() }
            Invoke-AmlRetrainCli -Command @('webservice', 'list') -Arguments $arguments -TypeName 'AmlRetrain.NewWebService' -BoundParameters $PSBoundParameters -Caller $PSCmdlet |
                ForEach-Object { $_ | Add-Member -NotePropertyName ResourceGroup -NotePropertyValue $_.resource_group -PassThru }
        }
    }
}
