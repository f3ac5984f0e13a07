#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0'; MaximumVersion = '5.99.99' }
# The documented azuremlps flow, run verbatim with AmlRetrain in place of AzureMLPS.dll: "Create many
# Machine Learning Studio (classic) models and web service endpoints from one experiment using
# PowerShell" (learn.microsoft.com, machine-learning/classic/create-models-and-endpoints-with-
# powershell). Names and parameters as in that article and in hning86/azuremlps
# (code/PowerShell/WebServiceEndpointCmdlets.cs, BaseCmdlets.cs). Its BES step takes an API key, the
# job URL and raw job JSON (Invoke-AmlWebServiceBESEndpoint), which the CLI does not: that one step is
# Start-AmlRetraining here, as the module README says. The invoker is mocked: the test checks the CLI
# commands each documented line runs.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1') -Force
    $script:scoringId = 'c7d1e3f5a2b44c6d8e0f1a3b5c7d9e2f'
    $script:trainingId = 'a3f9b2c1d4e54f6a8b7c9d0e1f2a3b4c'
}

BeforeEach {
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli {
        [pscustomobject]@{ PSTypeName = $TypeName; Command = $Command -join ' '; Arguments = $Arguments; Name = 'x'; job_id = 'J1' }
    }
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { ($Command -join ' ') -eq 'classic services list' } {
        [pscustomobject]@{ Id = $script:scoringId; Name = 'Bike Rental Scoring' }
        [pscustomobject]@{ Id = $script:trainingId; Name = 'Bike Rental Training' }
    }
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { ($Command -join ' ') -eq 'classic endpoints list' } {
        [pscustomobject]@{ Name = 'default'; WebServiceId = $script:trainingId; ApiLocation = 'https://ussouthcentral.services.azureml.net/x' }
    }
}

Describe 'The azuremlps flow, verbatim' {
    It 'finds the services with the default configuration' {
        # Assume the default configuration file exists and is properly set to point to the valid Workspace.
        $scoringSvc = Get-AmlWebService | where Name -eq 'Bike Rental Scoring'
        $trainingSvc = Get-AmlWebService | where Name -eq 'Bike Rental Training'
        $scoringSvc.Id | Should -Be $scoringId
        $trainingSvc.Id | Should -Be $trainingId
    }

    It 'creates 10 endpoints on the scoring web service' {
        $scoringSvc = Get-AmlWebService | where Name -eq 'Bike Rental Scoring'
        For ($i = 1; $i -le 10; $i++){
            $seq = $i.ToString().PadLeft(3, '0');
            $endpointName = 'rentalloc' + $seq;
            Write-Host ('adding endpoint ' + $endpointName + '...')
            Add-AmlWebServiceEndpoint -WebServiceId $scoringSvc.Id -EndpointName $endpointName -Description $endpointName
        }
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 10 -Exactly -ParameterFilter { ($Command -join ' ') -eq 'classic endpoints create' }
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            (@($Arguments) -join ' ') -eq "$scoringId rentalloc010 --description rentalloc010"
        }
    }

    It 'reads the only endpoint of the training web service' {
        $trainingSvc = Get-AmlWebService | where Name -eq 'Bike Rental Training'
        # This is the default (and the only) endpoint on the training web service
        $trainingSvcEp = (Get-AmlWebServiceEndpoint -WebServiceId $trainingSvc.Id)[0];
        $trainingSvcEp.Name | Should -Be 'default'
    }

    It 'retrains 10 times (the BES step through Start-AmlRetraining)' {
        $trainingSvc = Get-AmlWebService | where Name -eq 'Bike Rental Training'
        For ($i = 1; $i -le 10; $i++){
            $seq = $i.ToString().PadLeft(3, '0');
            $inputFileName = 'https://bostonmtc.blob.core.windows.net/hai/retrain/bike_rental/BikeRental' + $seq + '.csv';
            Start-AmlRetraining -WebServiceId $trainingSvc.Id -Data $inputFileName -OutputDirectory ('hai/retrain/bike_rental/model' + $seq) -Confirm:$false
        }
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 10 -Exactly -ParameterFilter { ($Command -join ' ') -eq 'classic retrain' }
    }

    It 'patches the 10 endpoints with their .ilearner models' {
        $scoringSvc = Get-AmlWebService | where Name -eq 'Bike Rental Scoring'
        # Patch the 10 endpoints with respective .ilearner models
        $baseLoc = 'http://bostonmtc.blob.core.windows.net/'
        $sasToken = '?test'
        For ($i = 1; $i -le 10; $i++){
            $seq = $i.ToString().PadLeft(3, '0');
            $endpointName = 'rentalloc' + $seq;
            $relativeLoc = 'hai/retrain/bike_rental/model' + $seq + '.ilearner';
            Write-Host ('Patching endpoint ' + $endpointName + '...');
            Patch-AmlWebServiceEndpoint -WebServiceId $scoringSvc.Id -EndpointName $endpointName -ResourceName 'Bike Rental [trained model]' -BaseLocation $baseLoc -RelativeLocation $relativeLoc -SasBlobToken $sasToken
        }
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 10 -Exactly -ParameterFilter { ($Command -join ' ') -eq 'classic endpoints set-model' }
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            $InputText -eq 'http://bostonmtc.blob.core.windows.net/hai/retrain/bike_rental/model003.ilearner?test' -and
            (@($Arguments) -join ' ') -eq "$scoringId rentalloc003 --model-url - --resource-name Bike Rental [trained model]"
        }
    }

    It 'takes the workspace from an azuremlps config.json with -ConfigFile and the region with -Location' {
        $config = Join-Path $TestDrive 'config.json'
        Set-Content -LiteralPath $config -Value '{ "WorkspaceId": "0123456789abcdef0123456789abcdef", "AuthorizationToken": "t", "Location": "South Central US" }'
        Get-AmlWebService -ConfigFile $config -Location 'South Central US' | Out-Null
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter {
            $BoundParameters['ConfigFile'] -eq $config -and $BoundParameters['Region'] -eq 'South Central US'
        }
    }

    It 'refuses -PreventUpdate before sending anything' {
        { Add-AmlWebServiceEndpoint -WebServiceId $scoringId -EndpointName 'rentalloc001' -PreventUpdate } | Should -Throw -ErrorId 'AmlPreventUpdate*'
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 0 -Exactly -ParameterFilter { ($Command -join ' ') -eq 'classic endpoints create' }
    }
}
