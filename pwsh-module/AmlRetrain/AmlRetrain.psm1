# AmlRetrain: PowerShell cmdlets over the aml-retrain CLI.
# Private helpers first (Invoke-AmlRetrainCli is the only place that starts the CLI), then one public
# function per file. The manifest's FunctionsToExport and AliasesToExport decide what is visible.
Set-StrictMode -Version 3.0

foreach ($folder in @('Private', 'Public')) {
    $files = @(Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath $folder) -Filter '*.ps1' -File -ErrorAction SilentlyContinue)
    foreach ($file in ($files | Sort-Object -Property Name)) {
        . $file.FullName
    }
}
