function Update-AmlNewWebService {
    <#
    .SYNOPSIS
    Updates a live new (ARM) web service from a definition.

    .DESCRIPTION
    Applies a definition file (-Path) or object (-Definition, e.g. from Import-AmlWebServiceDefinition)
    to the live service: guardrails (only the trained-model asset URI may change unless -Allow says
    otherwise; a storage account change is always refused), backup, PATCH, polling, read-back.

    Calls aml-retrain webservice update RG NAME --file DEF.json; a -Definition object is written to a
    temporary file first (ConvertTo-Json -Depth 100) and removed afterwards. -WhatIf runs the CLI's dry
    run. Alias: Update-AmlWebService. Replaces Update-AzMlWebService -ServiceUpdates.

    .PARAMETER ResourceGroup
    Resource group of the web service. Binds from the pipeline by property name (ResourceGroup, or
    resource_group as webservice list prints it).

    .PARAMETER Name
    Name of the web service (Microsoft.MachineLearning/webServices). Binds from the pipeline by property
    name.

    .PARAMETER Path
    Definition file to apply.

    .PARAMETER Definition
    Definition object to apply (from Import-AmlWebServiceDefinition or Get-AmlNewWebService).
    -ServiceUpdates is accepted as in Update-AzMlWebService.

    .PARAMETER Allow
    JSON Pointer prefixes that may change besides the asset URI, e.g. /properties/package. Guarded paths
    are refused otherwise.

    .PARAMETER TimeoutSec
    Budget in seconds for an ARM web service write (PATCH and polling; the CLI's timeout option,
    default 900); the write may still finish after it. Classic writes are one request each, limited by
    AML_RETRAIN_TIMEOUT.

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
    Update-AmlNewWebService -ResourceGroup my-rg -Name census-model-ws -Path .\ws.json

    .EXAMPLE
    $ws = Import-AmlWebServiceDefinition .\ws.json
    Update-AmlNewWebService -ResourceGroup my-rg -Name census-model-ws -ServiceUpdates $ws -WhatIf

    .OUTPUTS
    AmlRetrain.NewWebServiceUpdate: resource_id, asset_id, before_uri, after_uri, patch, body, dry_run,
    backup_path, verified.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Path')]
    [Alias('Update-AmlWebService')]
    [OutputType('AmlRetrain.NewWebServiceUpdate')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('ResourceGroupName', 'resource_group')]
        [ValidatePattern('^[-\w\._\(\)]{1,90}$')]
        [string] $ResourceGroup,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('WebServiceName')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Mandatory, ParameterSetName = 'Path')]
        [Alias('File')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [Parameter(Mandatory, ParameterSetName = 'Definition', ValueFromPipeline)]
        [Alias('ServiceUpdates')]
        [ValidateNotNull()]
        [psobject] $Definition,

        [ValidatePattern('^/')]
        [string[]] $Allow,

        [ValidateRange(1, 86400)]
        [int] $TimeoutSec,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken
    )

    process {
        $dryRun = -not $PSCmdlet.ShouldProcess("$ResourceGroup/$Name", 'Update web service from definition')
        if ($dryRun -and -not $WhatIfPreference) { return }
        $temporary = $null
        try {
            if ($PSCmdlet.ParameterSetName -eq 'Definition') {
                $temporary = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('aml-retrain-{0}.json' -f [guid]::NewGuid())
                # A hashtable (as Update-AzMlWebService -ServiceUpdates users write one) as it is; an object
                # from this module without the ResourceGroup it adds.
                $body = if ($Definition -is [System.Collections.IDictionary]) { $Definition }
                else { $Definition | Select-Object -Property * -ExcludeProperty ResourceGroup }
                $json = ConvertTo-Json -InputObject $body -Depth 100
                # .NET, not Set-Content: under -WhatIf a cmdlet called here inherits $WhatIfPreference and
                # would skip the write, and the CLI's dry run would then get a missing file.
                [System.IO.File]::WriteAllText($temporary, $json, [System.Text.UTF8Encoding]::new($false))
                $file = $temporary
            }
            else {
                $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
            }
            $arguments = @($ResourceGroup, $Name, '--file', $file)
            foreach ($prefix in @($Allow)) { if ($prefix) { $arguments += '--allow', $prefix } }
            if ($TimeoutSec) { $arguments += '--timeout', $TimeoutSec }
            if ($dryRun) { $arguments += '--dry-run' }
            Invoke-AmlRetrainCli -Command @('webservice', 'update') -Arguments $arguments -TypeName 'AmlRetrain.NewWebServiceUpdate' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        }
        finally {
            if ($temporary) { [System.IO.File]::Delete($temporary) }  # not Remove-Item: -WhatIf would keep it
        }
    }
}
