#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0'; MaximumVersion = '5.99.99' }
# The documented Az.MachineLearning retraining flow, run verbatim under the module's names (Az -> Aml;
# Get-AzMlWebService -> Get-AmlNewWebService): "Retrain and deploy a machine learning model" (Studio
# classic, new web services; learn.microsoft.com machine-learning/classic/retrain-machine-learning-model)
# with the parameters of learn.microsoft.com/powershell/module/az.machinelearning (Get-AzMlWebService
# -ResourceGroupName -Name; Export-AzMlWebService -WebService -OutputFile; Import-AzMlWebService
# -InputFile; Update-AzMlWebService -ResourceGroupName -Name -ServiceUpdates). The invoker is mocked.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1') -Force
    $script:export = Join-Path $TestDrive 'mlservice_export.json'
    $script:rg = 'Default-MachineLearning-SouthCentralUS'
    $script:name = 'RetrainSamplePre.2016.8.17.0.3.51.237'
}

BeforeEach {
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli {
        [pscustomobject]@{ PSTypeName = $TypeName; Command = $Command -join ' '; Arguments = $Arguments }
    }
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { ($Command -join ' ') -eq 'webservice show' } {
        [pscustomobject]@{ id = "/subscriptions/s/resourceGroups/$script:rg/providers/Microsoft.MachineLearning/webServices/$script:name"; name = $script:name; location = 'southcentralus'; properties = @{} }
    }
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { ($Command -join ' ') -eq 'webservice import' } {
        [pscustomobject]@{ location = 'southcentralus'; properties = [pscustomobject]@{ title = 't' } }
    }
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { ($Command -join ' ') -eq 'webservice update' } {
        $file = $Arguments[[array]::IndexOf($Arguments, '--file') + 1]
        [pscustomobject]@{ Arguments = $Arguments; Sent = (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json) }
    }
}

Describe 'The Az.MachineLearning flow, verbatim' {
    It 'gets, exports, imports and updates the web service' {
        $wsd = Get-AmlNewWebService -Name 'RetrainSamplePre.2016.8.17.0.3.51.237' -ResourceGroupName 'Default-MachineLearning-SouthCentralUS'
        Export-AmlWebService -WebService $wsd -OutputFile $export
        # (the asset's locationInfo uri is edited in the file here)
        $wsd = Import-AmlWebService -InputFile $export
        $update = Update-AmlWebService -Name 'RetrainSamplePre.2016.8.17.0.3.51.237' -ResourceGroupName 'Default-MachineLearning-SouthCentralUS' -ServiceUpdates $wsd

        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            ($Command -join ' ') -eq 'webservice show' -and (@($Arguments) -join ' ') -eq "$rg $name"
        }
        # -WebService is its own parameter: the object names the service; it is not bound as a name by prefix.
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            ($Command -join ' ') -eq 'webservice export' -and (@($Arguments) -join ' ') -eq "$rg $name --file $export"
        }
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            ($Command -join ' ') -eq 'webservice import' -and (@($Arguments) -join ' ') -eq "--file $export"
        }
        @($update.Arguments)[0..1] | Should -Be @($rg, $name)
        $update.Sent.properties.title | Should -Be 't'
    }

    It 'exports a web service named only by its ARM id' {
        $wsd = [pscustomobject]@{ Id = "/subscriptions/s/resourceGroups/$rg/providers/Microsoft.MachineLearning/webServices/$name" }
        Export-AmlWebService -WebService $wsd -OutputFile $export
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            (@($Arguments) -join ' ') -eq "$rg $name --file $export"
        }
    }

    It 'updates from a hashtable given as -ServiceUpdates' {
        $update = Update-AmlWebService -Name $name -ResourceGroupName $rg -ServiceUpdates @{ properties = @{ title = 'from a hashtable' } }
        $update.Sent.properties.title | Should -Be 'from a hashtable'
    }

    It 'rejects an object that names no web service' {
        { Export-AmlWebService -WebService ([pscustomobject]@{ title = 'x' }) -OutputFile $export } | Should -Throw -ErrorId 'AmlWebServiceObject*'
    }
}
