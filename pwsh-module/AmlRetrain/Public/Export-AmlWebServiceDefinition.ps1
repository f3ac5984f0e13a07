function Export-AmlWebServiceDefinition {
    <#
    .SYNOPSIS
    Exports a new (ARM) web service's definition to a JSON file.

    .DESCRIPTION
    Writes the definition in the Export-AzMlWebService shape (properties, location, tags; stable order;
    no keys or other secrets) and returns a summary: the file path, the asset ids and which of them are
    trained models. An existing file is backed up first.

    Calls aml-retrain webservice export RG NAME --file DEF.json. Under -WhatIf nothing is written.
    Alias: Export-AmlWebService. Replaces Export-AzMlWebService: -WebService <object> -OutputFile FILE
    works as there, with a web service from Get-AmlNewWebService (or any object with ResourceGroup
    and name, or an ARM id).

    .PARAMETER ResourceGroup
    Resource group of the web service. Binds from the pipeline by property name (ResourceGroup, or
    resource_group as webservice list prints it).

    .PARAMETER Name
    Name of the web service (Microsoft.MachineLearning/webServices). Binds from the pipeline by property
    name.

    .PARAMETER WebService
    The web service object to export, as Export-AzMlWebService -WebService takes it: its ResourceGroup
    (or resource_group) and name, or else its ARM id, name the service.

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
    $wsd = Get-AmlNewWebService -ResourceGroupName my-rg -Name census-model-ws
    Export-AmlWebService -WebService $wsd -OutputFile .\ws.json

    The Export-AzMlWebService form.

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
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', DefaultParameterSetName = 'Name')]
    [Alias('Export-AmlWebService')]
    [OutputType('AmlRetrain.DefinitionExport')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroupName', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroup,

        [Parameter(Mandatory, Position = 1, ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [Alias('WebServiceName')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        # A parameter of its own: without it "-WebService" would bind by prefix to -Name's alias
        # WebServiceName and silently export the object's text as a name.
        [Parameter(Mandatory, ParameterSetName = 'WebService')]
        [ValidateNotNull()]
        [psobject] $WebService,

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
        # Local names: a parameter variable keeps its validation attributes, so assigning a derived
        # (possibly empty) value to $ResourceGroup or $Name would throw before the message below.
        $group, $service = $ResourceGroup, $Name
        if ($PSCmdlet.ParameterSetName -eq 'WebService') {
            $properties = $WebService.PSObject.Properties
            $id = if ($properties['id']) { [string]$properties['id'].Value } else { '' }
            $group = @('ResourceGroup', 'resource_group') | Where-Object { $properties[$_] -and $properties[$_].Value } |
                ForEach-Object { [string]$properties[$_].Value } | Select-Object -First 1
            if (-not $group -and $id -match '/resourceGroups/([^/]+)/') { $group = $Matches[1] }
            $service = if ($properties['name'] -and $properties['name'].Value) { [string]$properties['name'].Value }
            elseif ($id -match '/webServices/([^/]+)$') { $Matches[1] }
            if (-not $group -or -not $service) {
                $exception = [System.ArgumentException]::new(
                    '-WebService needs a web service object with ResourceGroup and name (from Get-AmlNewWebService) or an ARM id.')
                $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($exception, 'AmlWebServiceObject', 'InvalidArgument', $WebService))
            }
        }
        $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        if (-not $PSCmdlet.ShouldProcess($file, "Export definition of $group/$service")) { return }
        Invoke-AmlRetrainCli -Command @('webservice', 'export') -Arguments @($group, $service, '--file', $file) -TypeName 'AmlRetrain.DefinitionExport' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
