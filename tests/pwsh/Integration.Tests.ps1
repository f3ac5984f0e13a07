#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0'; MaximumVersion = '5.99.99' }
# The classic and new (ARM) flows end to end through the real CLI and the emulator. Runs only when
# $env:AML_RETRAIN_PROFILE points at a running emulator:
#   aml-retrain emulator start --detach; $env:AML_RETRAIN_PROFILE = "$HOME/.aml-retrain/emulator.json"
# (the Pester job of the pipeline does exactly this), else the block is skipped.

BeforeDiscovery {
    $skip = -not ($env:AML_RETRAIN_PROFILE -and (Test-Path -LiteralPath $env:AML_RETRAIN_PROFILE))
}

Describe 'Flows against the emulator' -Tag 'Integration' -Skip:$skip {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1') -Force
        $repo = Join-Path $PSScriptRoot '..' '..'
        $saved = @{}
        foreach ($name in 'AML_RETRAIN_BACKUP_DIR', 'AML_RETRAIN_JOURNAL', 'AML_RETRAIN_LEDGER', 'AML_RETRAIN_POLL_INTERVAL') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        }
        $env:AML_RETRAIN_BACKUP_DIR = Join-Path $TestDrive 'backups'
        $env:AML_RETRAIN_JOURNAL = Join-Path $TestDrive 'jobs.jsonl'
        $env:AML_RETRAIN_LEDGER = Join-Path $TestDrive 'ledger.jsonl'
        $env:AML_RETRAIN_POLL_INTERVAL = '0.1'

        # The demo datasets (scripts/make_census_data.py), written with the venv's Python next to the CLI.
        $data = Join-Path $TestDrive 'data'
        $cli = (Get-Command ($env:AML_RETRAIN_CLI ?? 'aml-retrain') -CommandType Application | Select-Object -First 1).Source
        $python = Get-ChildItem -Path (Split-Path $cli) -Filter 'python*' | Select-Object -First 1
        & $python.FullName -c "import importlib.util,sys,pathlib; p=pathlib.Path(sys.argv[1]); s=importlib.util.spec_from_file_location('m', p); m=importlib.util.module_from_spec(s); s.loader.exec_module(m); m.main(pathlib.Path(sys.argv[2]), rows=600)" (Join-Path $repo 'scripts' 'make_census_data.py') $data

        $training = Get-AmlWebService -Name '*Training Exp.*'
        $predictive = Get-AmlWebService -Name '*Predictive Exp.*'
        $endpointName = 'pester{0}' -f (Get-Random -Maximum 99999)
    }

    AfterAll {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }

    It 'runs the classic flow: retrain, new endpoint, swap, score' {
        $training.PSObject.TypeNames[0] | Should -Be 'AmlRetrain.WebService'
        $job = Start-AmlRetraining -WebServiceId $training.Id -Data (Join-Path $data 'census-2026.csv') -TimeoutSec 600 -Confirm:$false
        $job.status | Should -Be 'Finished'
        $endpoint = New-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name $endpointName -ExistOk -Confirm:$false
        $endpoint.Name | Should -Be $endpointName
        (Get-AmlWebServiceEndpointPatchUrl -WebServiceId $predictive.Id -Name $endpointName).patch_url | Should -BeLike "*/endpoints/$endpointName"

        $dry = $endpoint | Update-AmlWebServiceEndpoint -FromJob $job.job_id -WhatIf
        $dry.dry_run | Should -BeTrue
        $swap = $job | Update-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name $endpointName -Confirm:$false
        $swap.verified | Should -BeTrue

        (Invoke-AmlWebServiceScore -WebServiceId $predictive.Id -Name $endpointName -InputFile (Join-Path $data 'score-rows.csv')).rows |
            Should -Not -BeNullOrEmpty
        $err = { Get-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name 'does-not-exist' -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlNotFound*'
        (Remove-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name $endpointName -Confirm:$false).deleted | Should -Be $endpointName
    }

    It 'runs the new (ARM) flow: export, set the model, import, update' {
        $job = Start-AmlRetraining -WebServiceId $training.Id -Data (Join-Path $data 'census-2025.csv') -NoWait -Confirm:$false | Wait-AmlRetrainingJob -TimeoutSec 600
        $service = Get-AmlNewWebService -ResourceGroup 'aml-retrain-demo' | Where-Object name -eq 'census-model-ws'
        $file = Join-Path $TestDrive 'ws.json'
        $export = $service | Export-AmlWebServiceDefinition -Path $file -Confirm:$false
        $export.trained_model_assets | Should -Not -BeNullOrEmpty
        $change = $export | Set-AmlWebServiceDefinitionModel -FromJob $job.job_id -Confirm:$false
        $change.after_uri | Should -BeLike '*.ilearner'
        $definition = Import-AmlWebServiceDefinition -Path $file
        $update = Update-AmlNewWebService -ResourceGroup $service.ResourceGroup -Name $service.name -ServiceUpdates $definition -Confirm:$false
        $update.verified | Should -BeTrue
        $update.after_uri | Should -Be $change.after_uri
    }

    It 'gates, promotes, records and rolls back' {
        $target = "classic:$($predictive.Id)/$endpointName-p"
        New-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name "$endpointName-p" -ExistOk -Confirm:$false | Out-Null
        $job = Start-AmlRetraining -WebServiceId $training.Id -Data (Join-Path $data 'census-2025.csv') -Confirm:$false
        Test-AmlModelGate -FromJob $job.job_id -Target $target -Quiet | Should -BeTrue
        ($job | Publish-AmlModel -Target $target -Gate -Confirm:$false).action | Should -Be 'promote'
        @(Get-AmlPromotionLedger -Target $target).Count | Should -Be 1
        Test-AmlPromotionLedger -Quiet | Should -BeTrue
        # One promotion: nothing earlier to return to, a usage error (exit 2).
        $err = { Undo-AmlPromotion -Target $target -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlUsage*'
        $second = Start-AmlRetraining -WebServiceId $training.Id -Data (Join-Path $data 'census-2026.csv') -Confirm:$false
        Publish-AmlModel -Target $target -FromJob $second.job_id -Confirm:$false | Out-Null
        (Undo-AmlPromotion -Target $target -WhatIf).dry_run | Should -BeTrue
        (Undo-AmlPromotion -Target $target -Reason 'pester' -Confirm:$false).action | Should -Be 'rollback'
    }

    It 'runs the online flow: endpoint, retrain, gate, promote to a new deployment, score, roll back' {
        # The emulator's v2 workspace: census-online serves azureml:census-model:1 from blue.
        $where = @{ ResourceGroupName = 'aml-retrain-demo'; WorkspaceName = 'census-workspace' }
        $target = 'online:aml-retrain-demo/census-workspace/census-online'
        $endpoint = Get-AmlOnlineEndpoint @where -Name 'census-online'
        $endpoint.PSObject.TypeNames[0] | Should -Be 'AmlRetrain.OnlineEndpoint'
        $before = @($endpoint | Get-AmlOnlineDeployment | Where-Object traffic -gt 0)
        $before.Count | Should -Be 1
        $job = $endpoint | Start-AmlOnlineRetraining -Data (Join-Path $data 'census-2026.csv') -TimeoutSec 600 -Confirm:$false
        $job.status | Should -Be 'Completed'
        $job.model | Should -BeLike 'azureml:*:*'
        (Get-AmlOnlineModel @where -Name $job.model_name).model_ref | Should -Contain $job.model
        Test-AmlModelGate -FromJob $job.job_id -Target $target -Quiet | Should -BeTrue
        $promoted = Publish-AmlModel -Target $target -ModelUrl $job.model -Confirm:$false
        $promoted.new_model | Should -Be $job.model
        (Get-AmlTarget -Target $target).model_url | Should -Be $job.model
        $scored = Invoke-AmlOnlineScore @where -EndpointName 'census-online' -InputFile (Join-Path $data 'score-rows.csv') -DeploymentName $promoted.deploy.deployment
        $scored.deployment | Should -Be $promoted.deploy.deployment
        (Undo-AmlPromotion -Target $target -Reason 'pester' -Confirm:$false).new_model | Should -Be $before[0].model_ref
    }
}
