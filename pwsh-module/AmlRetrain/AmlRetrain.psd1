@{
    RootModule           = 'AmlRetrain.psm1'
    # Kept equal to the Python package version (pyproject.toml); tests/contract/test_pwsh_module.py checks it.
    ModuleVersion        = '0.1.0'
    GUID                 = '13d0c64d-ed14-4f30-b43b-9510d72e3de0'
    Author               = 'aml-retrain maintainers'
    CompanyName          = 'aml-retrain'
    Copyright            = '(c) aml-retrain maintainers. MIT License.'
    Description          = 'Retrain Azure Machine Learning web services (classic Studio and new ARM) and v2 managed online endpoints, and swap their trained models behind endpoints: cmdlets that mirror the documented azuremlps and Az.MachineLearning retraining flows, with an evaluation gate, plan/apply, rollback, a promotion ledger and fan-out, on top of the aml-retrain CLI.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredModules      = @()
    FormatsToProcess     = @('AmlRetrain.Format.ps1xml')
    FunctionsToExport    = @(
        'Export-AmlWebServiceDefinition'
        'Get-AmlFanoutRun'
        'Get-AmlNewWebService'
        'Get-AmlNewWebServiceKey'
        'Get-AmlOnlineDeployment'
        'Get-AmlOnlineEndpoint'
        'Get-AmlOnlineModel'
        'Get-AmlPromotionLedger'
        'Get-AmlRetrainingJob'
        'Get-AmlTarget'
        'Get-AmlWebService'
        'Get-AmlWebServiceEndpoint'
        'Get-AmlWebServiceEndpointPatchUrl'
        'Import-AmlWebServiceDefinition'
        'Invoke-AmlFanout'
        'Invoke-AmlNewWebServiceScore'
        'Invoke-AmlOnlineScore'
        'Invoke-AmlPromotionPlan'
        'Invoke-AmlWebServiceScore'
        'New-AmlFanoutRunId'
        'New-AmlPromotionPlan'
        'New-AmlWebServiceEndpoint'
        'Publish-AmlModel'
        'Remove-AmlWebServiceEndpoint'
        'Repair-AmlPromotionLedger'
        'Set-AmlWebServiceDefinitionModel'
        'Start-AmlOnlineRetraining'
        'Start-AmlRetraining'
        'Stop-AmlRetrainingJob'
        'Test-AmlModelGate'
        'Test-AmlPromotionLedger'
        'Undo-AmlPromotion'
        'Update-AmlNewWebService'
        'Update-AmlNewWebServiceModel'
        'Update-AmlWebServiceEndpoint'
        'Wait-AmlRetrainingJob'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @(
        'Add-AmlWebServiceEndpoint'
        'Export-AmlWebService'
        'Import-AmlWebService'
        'Invoke-AmlPromotion'
        'Patch-AmlWebServiceEndpoint'
        'Update-AmlWebService'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('Azure', 'MachineLearning', 'AzureML', 'Retraining', 'MLOps', 'AzureDevOps', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'First release: classic and new (ARM) web service retraining flows, gate, plan/apply, rollback, ledger and fan-out over the aml-retrain CLI.'
        }
    }
}
