function Read-AmlConfigFile {
    <#
    .SYNOPSIS
    Reads an azuremlps config.json: workspace id, authorization token and region.

    .DESCRIPTION
    azuremlps reads { "WorkspaceId", "AuthorizationToken", "Location" } from config.json (its
    AzureMLPsCmdlet base class, code/PowerShell/BaseCmdlets.cs of hning86/azuremlps); its sample file
    names the region "RegionName". Both region names are accepted. Returns a hashtable with the keys
    that are present and non-empty: WorkspaceId, AuthorizationToken and Region.

    .PARAMETER Path
    The config.json file.

    .EXAMPLE
    Read-AmlConfigFile -Path .\config.json

    .OUTPUTS
    System.Collections.Hashtable
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $Path
    )

    try {
        $config = [System.IO.File]::ReadAllText($PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)) | ConvertFrom-Json -AsHashtable
    }
    catch {
        $exception = [System.ArgumentException]::new("Cannot read the azuremlps config file '$Path': $($_.Exception.Message)", $_.Exception)
        $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($exception, 'AmlConfigFile', 'InvalidArgument', $Path))
    }
    $found = @{}
    if ($config -isnot [System.Collections.IDictionary]) { return $found }
    if ($config['WorkspaceId']) { $found.WorkspaceId = [string]$config['WorkspaceId'] }
    # Plain text already (the file holds it so); it only ever goes into the child's environment.
    if ($config['AuthorizationToken']) { $found.AuthorizationToken = [string]$config['AuthorizationToken'] }
    $region = if ($config['Location']) { $config['Location'] } else { $config['RegionName'] }
    if ($region) { $found.Region = [string]$region }
    $found
}
