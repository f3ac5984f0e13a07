function Import-AmlWebServiceDefinition {
    <#
    .SYNOPSIS
    Reads, validates and normalises a web service definition file.

    .DESCRIPTION
    Validates the file against the WebService schema and returns the normalised definition as an object
    (the shape Import-AzMlWebService returned). Pipe it into Update-AmlNewWebService -Definition.

    Calls aml-retrain webservice import --file DEF.json. Alias: Import-AmlWebService.

    .PARAMETER Path
    The definition file (JSON). Binds from the pipeline by property name (path, as
    Export-AmlWebServiceDefinition returns it). -InputFile is accepted as in Import-AzMlWebService.

    .PARAMETER ProfilePath
    Profile file with the service endpoints and the CA bundle to trust (the CLI's global profile
    option). Default: $env:AML_RETRAIN_PROFILE, else ~/.aml-retrain/profile.json when it exists.

    .EXAMPLE
    $definition = Import-AmlWebServiceDefinition -Path .\ws.json

    .EXAMPLE
    Import-AmlWebServiceDefinition .\ws.json | Update-AmlNewWebService -ResourceGroup my-rg -Name census-model-ws -WhatIf

    .OUTPUTS
    AmlRetrain.Definition: properties, location, tags.
    #>
    [CmdletBinding()]
    [Alias('Import-AmlWebService')]
    [OutputType('AmlRetrain.Definition')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('File', 'FilePath', 'InputFile')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath
    )

    process {
        $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        Invoke-AmlRetrainCli -Command @('webservice', 'import') -Arguments @('--file', $file) -TypeName 'AmlRetrain.Definition' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
