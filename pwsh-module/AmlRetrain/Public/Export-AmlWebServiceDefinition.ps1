function Export-AmlWebServiceDefinition {
    <#
    .SYNOPSIS
    Exports a new (ARM) web service's definition to a JSON file.

    .DESCRIPTION
    Writes the definition in the Export-AzMlWebService shape (properties, location, tags; stable order;
    no keys or other secrets) and returns a summary: the file path, the asset ids and which of them are
    trained models. An existing file is backed up first.

    Calls aml-retrain webservice export RG NAME --file DEF.json. Under -WhatIf nothing is written.
    Alias: Export-AmlWebService. Replaces Export-AzMlWebService.

    .PARAMETER ResourceGroup
    Resource group of the web service. Binds from the pipeline by property name (ResourceGroup, or
    resource_group as webservice list prints it).

    .PARAMETER Name
    Name of the web service (Microsoft.MachineLearning/webServices). Binds from the pipeline by property
    name.

    .PARAMETER Path
    File to write, e.g. .\census-model-ws.json.

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
    Export-AmlWebServiceDefinition -ResourceGroup my-rg -Name census-model-ws -Path .\ws.json

    .EXAMPLE
    Get-AmlNewWebService my-rg census-model-ws | Export-AmlWebServiceDefinition -Path .\ws.json |
        Set-AmlWebServiceDefinitionModel -FromJob $job.job_id

    .OUTPUTS
    AmlRetrain.DefinitionExport: path, resource_id, asset_ids, trained_model_assets,
    payloads_in_blob_storage, previous_file_backup.

    .LINK
    Set-AmlWebServiceDefinitionModel

    .LINK
    Import-AmlWebServiceDefinition
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [Alias('Export-AmlWebService')]
    [OutputType('AmlRetrain.DefinitionExport')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroup,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('WebServiceName')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Mandatory, Position = 2)]
        [Alias('File', 'OutputFile')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        if (-not $PSCmdlet.ShouldProcess($file, "Export definition of $ResourceGroup/$Name")) { return }
        Invoke-AmlRetrainCli -Command @('webservice', 'export') -Arguments @($ResourceGroup, $Name, '--file', $file) -TypeName 'AmlRetrain.DefinitionExport' -BoundParameters $PSBoundParameters
    }
}
