#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0'; MaximumVersion = '5.99.99' }
# Each cmdlet with the invoker mocked: the CLI command and arguments it passes, -WhatIf -> --dry-run,
# pipeline binding by property name, secrets kept out of the arguments, and error propagation.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1') -Force
    $script:svc = 'c7d1e3f5a2b44c6d8e0f1a3b5c7d9e2f'
    $script:training = 'a3f9b2c1d4e54f6a8b7c9d0e1f2a3b4c'
    $script:target = "classic:$script:svc/retrained01"
    # A kind of target the module has never heard of (the next issue's): it must reach the CLI as is.
    $script:next = 'online:ml-rg/census-ws/census-online#blue'
    $script:file = Join-Path $TestDrive 'file.json'
    Set-Content -LiteralPath $script:file -Value '{}'
}

BeforeEach {
    Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli {
        # Every field a cmdlet reads from a result under the module's StrictMode 3 (a missing property
        # is an error there): Name (Get-AmlWebService -Name), resource_group (Get-AmlNewWebService), ...
        [pscustomobject]@{ PSTypeName = $TypeName; Command = $Command -join ' '; Arguments = $Arguments; outcome = 'pass'; ok = $true
            Name = 'ep1'; resource_group = 'rg'; targets = @() }
    }
}

Describe 'CLI commands and arguments' {
    It 'runs "<Cli> <Expect>"' -ForEach @(
        @{ Call = { Get-AmlWebService }; Cli = 'classic services list'; Expect = '' }
        @{ Call = { Get-AmlWebService -Id $svc }; Cli = 'classic services show'; Expect = '<svc>' }
        @{ Call = { Get-AmlWebServiceEndpoint $svc }; Cli = 'classic endpoints list'; Expect = '<svc>' }
        @{ Call = { Get-AmlWebServiceEndpoint $svc retrained01 -ShowKeys }; Cli = 'classic endpoints show'; Expect = '<svc> retrained01 --show-keys' }
        @{ Call = { New-AmlWebServiceEndpoint $svc ep1 -Description d -ThrottleLevel High -MaxConcurrentCalls 8 -ExistOk }; Cli = 'classic endpoints create'; Expect = '<svc> ep1 --description d --throttle-level High --max-concurrent-calls 8 --exist-ok' }
        @{ Call = { Remove-AmlWebServiceEndpoint $svc ep1 -Confirm:$false }; Cli = 'classic endpoints delete'; Expect = '<svc> ep1' }
        @{ Call = { Get-AmlWebServiceEndpointPatchUrl $svc ep1 }; Cli = 'classic endpoints patch-url'; Expect = '<svc> ep1' }
        @{ Call = { Update-AmlWebServiceEndpoint $svc ep1 -FromJob J1 -ResourceName R -Confirm:$false }; Cli = 'classic endpoints set-model'; Expect = '<svc> ep1 --from-job J1 --resource-name R' }
        @{ Call = { Update-AmlWebServiceEndpoint $svc ep1 -ModelUrl 'https://a/m.ilearner?sig=s' -Confirm:$false }; Cli = 'classic endpoints set-model'; Expect = '<svc> ep1 --model-url -' }
        @{ Call = { Start-AmlRetraining $training https://a/d.csv -InputName input1 -OutputDirectory models/x -ModelOutput output1 -GlobalParameter @{ seed = 1 } -NoWait -TimeoutSec 60 -Confirm:$false }; Cli = 'classic retrain'; Expect = '<training> --data https://a/d.csv --input-name input1 --output-dir models/x --model-output output1 --global seed=1 --no-wait --timeout 60' }
        @{ Call = { Start-AmlRetraining -ResourceGroupName rg -Name train-ws -Data https://a/d.csv -ModelOutput output1 -NoWait -Confirm:$false }; Cli = 'webservice retrain'; Expect = 'rg train-ws --data https://a/d.csv --model-output output1 --no-wait' }
        @{ Call = { [pscustomobject]@{ name = 'train-ws'; resource_group = 'rg' } | Start-AmlRetraining -Data https://a/d.csv -Confirm:$false }; Cli = 'webservice retrain'; Expect = 'rg train-ws --data https://a/d.csv' }
        @{ Call = { Get-AmlRetrainingJob J1 -TrainingWebServiceId $training }; Cli = 'classic jobs status'; Expect = 'J1 --service <training>' }
        @{ Call = { Wait-AmlRetrainingJob J1 -TimeoutSec 30 }; Cli = 'classic jobs wait'; Expect = 'J1 --timeout 30' }
        @{ Call = { Stop-AmlRetrainingJob J1 -Confirm:$false }; Cli = 'classic jobs cancel'; Expect = 'J1' }
        @{ Call = { Invoke-AmlWebServiceScore $svc ep1 -InputFile $file }; Cli = 'classic score'; Expect = '<svc> ep1 --input <file>' }
        @{ Call = { Get-AmlNewWebService -ResourceGroup rg }; Cli = 'webservice list'; Expect = '--resource-group rg' }
        @{ Call = { Get-AmlNewWebService rg ws }; Cli = 'webservice show'; Expect = 'rg ws' }
        @{ Call = { Export-AmlWebServiceDefinition rg ws $file -Confirm:$false }; Cli = 'webservice export'; Expect = 'rg ws --file <file>' }
        @{ Call = { Export-AmlWebService -WebService ([pscustomobject]@{ name = 'ws'; ResourceGroup = 'rg' }) -OutputFile $file }; Cli = 'webservice export'; Expect = 'rg ws --file <file>' }
        @{ Call = { Set-AmlWebServiceDefinitionModel $file -ModelUrl 'https://a/m.ilearner?sig=s' -AssetId asset3 -Allow /properties/package -Confirm:$false }; Cli = 'webservice set-model'; Expect = '--file <file> --model-url https://a/m.ilearner --asset asset3 --allow /properties/package' }
        @{ Call = { Update-AmlNewWebServiceModel rg ws -FromJob J1 -AssetName A -AllowOtherAccount -Confirm:$false }; Cli = 'webservice set-model'; Expect = 'rg ws --from-job J1 --asset-name A --allow-other-account' }
        @{ Call = { Import-AmlWebServiceDefinition $file }; Cli = 'webservice import'; Expect = '--file <file>' }
        @{ Call = { Update-AmlNewWebService rg ws -Path $file -Confirm:$false }; Cli = 'webservice update'; Expect = 'rg ws --file <file>' }
        @{ Call = { Get-AmlNewWebServiceKey rg ws -ShowKeys }; Cli = 'webservice keys'; Expect = 'rg ws --show-keys' }
        @{ Call = { Invoke-AmlNewWebServiceScore rg ws -InputFile $file }; Cli = 'webservice score'; Expect = 'rg ws --input <file>' }
        @{ Call = { Test-AmlModelGate -FromJob J1 -Target $target -RequireBaseline }; Cli = 'gate'; Expect = '--candidate job:J1 --target <target> --require-baseline' }
        @{ Call = { New-AmlPromotionPlan $target $file -FromJob J1 -Gate -Confirm:$false }; Cli = 'plan'; Expect = '<target> --out <file> --from-job J1 --gate' }
        @{ Call = { Invoke-AmlPromotionPlan $file -Confirm:$false }; Cli = 'apply'; Expect = '<file>' }
        @{ Call = { Publish-AmlModel $target -FromJob J1 -Gate -Force -Reason why -Confirm:$false }; Cli = 'promote'; Expect = '<target> --from-job J1 --gate --force --reason why' }
        @{ Call = { Undo-AmlPromotion $target -ToEntry 2 -Reason why -Confirm:$false }; Cli = 'rollback'; Expect = '<target> --to 2 --reason why' }
        @{ Call = { Get-AmlPromotionLedger $target }; Cli = 'ledger show'; Expect = '<target>' }
        @{ Call = { Get-AmlTarget $target }; Cli = 'target show'; Expect = '<target>' }
        @{ Call = { Get-AmlTarget -Target 'arm:rg/ws#asset3' -SubscriptionId '00000000-0000-0000-0000-000000000001' }; Cli = 'target show'; Expect = 'arm:rg/ws#asset3' }
        @{ Call = { Test-AmlPromotionLedger }; Cli = 'ledger verify'; Expect = '' }
        @{ Call = { Invoke-AmlFanout $file -Concurrency 2 -KeepGoing -Confirm:$false }; Cli = 'fanout run'; Expect = '<file> --concurrency 2 --keep-going' }
        # A job from another agent (not in the local journal) names its training service; ARM writes take a budget.
        @{ Call = { Publish-AmlModel $target -FromJob J1 -TrainingWebServiceId $training -TimeoutSec 120 -Confirm:$false }; Cli = 'promote'; Expect = '<target> --from-job J1 --service <training> --timeout 120' }
        @{ Call = { New-AmlPromotionPlan $target $file -FromJob J1 -TrainingWebServiceId 'arm:rg/train-ws' -Confirm:$false }; Cli = 'plan'; Expect = '<target> --out <file> --from-job J1 --service arm:rg/train-ws' }
        @{ Call = { Test-AmlModelGate -FromJob J1 -TrainingWebServiceId $training }; Cli = 'gate'; Expect = '--candidate job:J1 --service <training>' }
        @{ Call = { Test-AmlModelGate -Candidate job:J1 -TrainingWebServiceId 'arm:rg/train-ws' }; Cli = 'gate'; Expect = '--candidate job:J1 --service arm:rg/train-ws' }
        @{ Call = { Update-AmlWebServiceEndpoint $svc ep1 -FromJob J1 -TrainingWebServiceId $training -Confirm:$false }; Cli = 'classic endpoints set-model'; Expect = '<svc> ep1 --from-job J1 --service <training>' }
        @{ Call = { Update-AmlNewWebServiceModel rg ws -FromJob J1 -TrainingWebServiceId 'arm:rg/train-ws' -TimeoutSec 60 -Confirm:$false }; Cli = 'webservice set-model'; Expect = 'rg ws --from-job J1 --service arm:rg/train-ws --timeout 60' }
        @{ Call = { Set-AmlWebServiceDefinitionModel $file -FromJob J1 -TrainingWebServiceId $training -Confirm:$false }; Cli = 'webservice set-model'; Expect = '--file <file> --from-job J1 --service <training>' }
        @{ Call = { Get-AmlRetrainingJob J1 -TrainingWebServiceId 'arm:rg/train-ws' }; Cli = 'classic jobs status'; Expect = 'J1 --service arm:rg/train-ws' }
        @{ Call = { Invoke-AmlPromotionPlan $file -TimeoutSec 300 -Confirm:$false }; Cli = 'apply'; Expect = '<file> --timeout 300' }
        @{ Call = { Undo-AmlPromotion $target -TimeoutSec 60 -Confirm:$false }; Cli = 'rollback'; Expect = '<target> --timeout 60' }
        @{ Call = { Invoke-AmlFanout $file -TimeoutSec 60 -Confirm:$false }; Cli = 'fanout run'; Expect = '<file> --timeout 60' }
        @{ Call = { Invoke-AmlFanout $file -Resume 20261203T183000Z-1a2b3c4d -Confirm:$false }; Cli = 'fanout run'; Expect = '<file> --resume 20261203T183000Z-1a2b3c4d' }
        @{ Call = { Invoke-AmlFanout $file -Shard 2/4 -RunId 20261203T183000Z-1a2b3c4d -BarrierTimeoutSec 600 -Confirm:$false }; Cli = 'fanout run'; Expect = '<file> --shard 2/4 --run-id 20261203T183000Z-1a2b3c4d --barrier-timeout 600' }
        @{ Call = { New-AmlFanoutRunId }; Cli = 'fanout new-run-id'; Expect = '' }
        @{ Call = { Get-AmlFanoutRun 20261203T183000Z-1a2b3c4d }; Cli = 'fanout status'; Expect = '20261203T183000Z-1a2b3c4d' }
        @{ Call = { [pscustomobject]@{ run_id = '20261203T183000Z-1a2b3c4d'; outcome = 'failed' } | Get-AmlFanoutRun }; Cli = 'fanout status'; Expect = '20261203T183000Z-1a2b3c4d' }
        @{ Call = { Update-AmlNewWebService rg ws -Path $file -TimeoutSec 60 -Confirm:$false }; Cli = 'webservice update'; Expect = 'rg ws --file <file> --timeout 60' }
        @{ Call = { Repair-AmlPromotionLedger -Confirm:$false }; Cli = 'ledger repair'; Expect = '' }
        # A classic id or arm:RG/NAME as one reference: classic retrain runs the kind it names.
        @{ Call = { Start-AmlRetraining -TrainingWebServiceId 'arm:rg/train-ws' -Data https://a/d.csv -TimeoutSec 60 -Confirm:$false }; Cli = 'classic retrain'; Expect = 'arm:rg/train-ws --data https://a/d.csv --timeout 60' }
        @{ Call = { Start-AmlRetraining -TrainingWebServiceId $training -Data https://a/d.csv -Confirm:$false }; Cli = 'classic retrain'; Expect = '<training> --data https://a/d.csv' }
        # Azure ML v2 managed online endpoints.
        @{ Call = { Get-AmlOnlineEndpoint rg ws }; Cli = 'online endpoints list'; Expect = 'rg ws' }
        @{ Call = { Get-AmlOnlineEndpoint -ResourceGroupName rg -WorkspaceName ws -Name ep }; Cli = 'online endpoints show'; Expect = 'rg ws ep' }
        @{ Call = { Get-AmlOnlineDeployment rg ws ep }; Cli = 'online deployments list'; Expect = 'rg ws ep' }
        @{ Call = { Get-AmlOnlineDeployment rg ws ep blue }; Cli = 'online deployments show'; Expect = 'rg ws ep blue' }
        @{ Call = { Get-AmlOnlineModel rg ws }; Cli = 'online models list'; Expect = 'rg ws' }
        @{ Call = { Get-AmlOnlineModel rg ws -Name census-model }; Cli = 'online models list'; Expect = 'rg ws --name census-model' }
        @{ Call = { Start-AmlOnlineRetraining rg ws -Data https://a/d.csv -EndpointName ep -ModelName m -TimeoutSec 60 -Confirm:$false }; Cli = 'online retrain'; Expect = 'rg ws --data https://a/d.csv --endpoint ep --model-name m --timeout 60' }
        @{ Call = { Start-AmlOnlineRetraining rg ws -Data https://a/d.csv -JobFile $file -Confirm:$false }; Cli = 'online retrain'; Expect = 'rg ws --data https://a/d.csv --job <file>' }
        @{ Call = { Invoke-AmlOnlineScore rg ws ep -InputFile $file }; Cli = 'online score'; Expect = 'rg ws ep --input <file>' }
        @{ Call = { Invoke-AmlOnlineScore rg ws ep -InputFile $file -DeploymentName green }; Cli = 'online score'; Expect = 'rg ws ep --input <file> --deployment green' }
        @{ Call = { Publish-AmlModel $next -ModelUrl 'azureml:census-model:3' -Confirm:$false }; Cli = 'promote'; Expect = '<next> --model-url -' }
        @{ Call = { New-AmlPromotionPlan $next $file -ModelUrl 'azureml:census-model:3' -Confirm:$false }; Cli = 'plan'; Expect = '<next> --out <file> --model-url -' }
        @{ Call = { Publish-AmlModel $next -FromJob J1 -Gate -SmokeInputFile $file -Confirm:$false }; Cli = 'promote'; Expect = '<next> --from-job J1 --gate --smoke <file>' }
        @{ Call = { Publish-AmlModel $next -FromJob J1 -ProbeFile $file -BakeSeconds 0 -Confirm:$false }; Cli = 'promote'; Expect = '<next> --from-job J1 --probe <file> --bake 0' }
        @{ Call = { Publish-AmlModel $next -FromJob J1 -ProbeFile $file -BakeSeconds 120 -ProbeEverySeconds 20 -PolicyPath $file -Confirm:$false }; Cli = 'promote'; Expect = '<next> --from-job J1 --policy <file> --probe <file> --bake 120 --probe-every 20' }
        @{ Call = { Publish-AmlModel $next -FromJob J1 -ProbeFile $file -BakeSeconds 120 -ProbeEverySeconds 20 -TrafficSteps 10, 50, 100 -MirrorPercent 20 -PolicyPath $file -Confirm:$false }; Cli = 'promote'; Expect = '<next> --from-job J1 --policy <file> --probe <file> --bake 120 --probe-every 20 --steps 10,50,100 --mirror 20' }
        @{ Call = { Publish-AmlModel $next -FromJob J1 -ProbeFile $file -BakeSeconds 120 -WhatIf }; Cli = 'promote'; Expect = '<next> --from-job J1 --dry-run' }
    ) {
        $null = & $Call
        $expected = $Expect.Replace('<svc>', $svc).Replace('<training>', $training).Replace('<target>', $target).Replace('<file>', $file).Replace('<next>', $next)
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            ($Command -join ' ') -eq $Cli -and ((@($Arguments) -join ' ') -eq $expected)
        }
    }
}

Describe '-WhatIf runs the CLI dry run' {
    It '<Name> adds --dry-run' -ForEach @(
        @{ Name = 'Update-AmlWebServiceEndpoint'; Call = { Update-AmlWebServiceEndpoint $svc ep1 -FromJob J1 -WhatIf } }
        @{ Name = 'Set-AmlWebServiceDefinitionModel'; Call = { Set-AmlWebServiceDefinitionModel $file -FromJob J1 -WhatIf } }
        @{ Name = 'Update-AmlNewWebServiceModel'; Call = { Update-AmlNewWebServiceModel rg ws -FromJob J1 -WhatIf } }
        @{ Name = 'Update-AmlNewWebService'; Call = { Update-AmlNewWebService rg ws -Path $file -WhatIf } }
        @{ Name = 'Publish-AmlModel'; Call = { Publish-AmlModel $target -FromJob J1 -WhatIf } }
        @{ Name = 'Undo-AmlPromotion'; Call = { Undo-AmlPromotion $target -WhatIf } }
    ) {
        $result = & $Call
        $result.Arguments | Should -Contain '--dry-run'
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly
    }

    It '<Name> calls nothing (the CLI has no dry run)' -ForEach @(
        @{ Name = 'New-AmlWebServiceEndpoint'; Call = { New-AmlWebServiceEndpoint $svc ep1 -WhatIf } }
        @{ Name = 'Remove-AmlWebServiceEndpoint'; Call = { Remove-AmlWebServiceEndpoint $svc ep1 -WhatIf } }
        @{ Name = 'Start-AmlRetraining'; Call = { Start-AmlRetraining $training https://a/d.csv -WhatIf } }
        @{ Name = 'Start-AmlOnlineRetraining'; Call = { Start-AmlOnlineRetraining rg ws -Data https://a/d.csv -EndpointName ep -WhatIf } }
        @{ Name = 'Stop-AmlRetrainingJob'; Call = { Stop-AmlRetrainingJob J1 -WhatIf } }
        @{ Name = 'Export-AmlWebServiceDefinition'; Call = { Export-AmlWebServiceDefinition rg ws $file -WhatIf } }
        @{ Name = 'New-AmlPromotionPlan'; Call = { New-AmlPromotionPlan $target $file -FromJob J1 -WhatIf } }
        @{ Name = 'Invoke-AmlPromotionPlan'; Call = { Invoke-AmlPromotionPlan $file -WhatIf } }
        @{ Name = 'Invoke-AmlFanout'; Call = { Invoke-AmlFanout $file -WhatIf } }
        @{ Name = 'New-AmlFanoutRunId'; Call = { New-AmlFanoutRunId -WhatIf } }
        @{ Name = 'Repair-AmlPromotionLedger'; Call = { Repair-AmlPromotionLedger -WhatIf } }
    ) {
        & $Call | Should -BeNullOrEmpty
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 0 -Exactly
    }
}

Describe 'Pipeline input by property name' {
    It 'binds WebServiceId and Name from endpoint objects' {
        $endpoints = @(
            [pscustomobject]@{ Name = 'ep1'; WebServiceId = $svc; WorkspaceId = 'ignored' }
            [pscustomobject]@{ Name = 'ep2'; WebServiceId = $svc; WorkspaceId = 'ignored' }
        )
        $endpoints | Update-AmlWebServiceEndpoint -FromJob J1 -Confirm:$false
        foreach ($name in 'ep1', 'ep2') {
            Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
                (@($Arguments) -join ' ') -eq "$svc $name --from-job J1" -and -not $BoundParameters.ContainsKey('WorkspaceId')
            }
        }
    }

    It 'binds the job id and training service from a retraining job' {
        [pscustomobject]@{ job_id = 'J9'; web_service_id = $training; status = 'Running' } | Wait-AmlRetrainingJob
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { (@($Arguments) -join ' ') -eq "J9 --service $training" }
    }

    It 'binds FromJob and its training service from a retraining job' {
        [pscustomobject]@{ job_id = 'J9'; web_service_id = $training } | Publish-AmlModel -Target $target -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { (@($Arguments) -join ' ') -eq "$target --from-job J9 --service $training" }
    }

    It 'binds an ARM job''s arm:RG/NAME training service (<Name>)' -ForEach @(
        @{ Name = 'Publish-AmlModel'; Call = { $input | Publish-AmlModel -Target $target -Confirm:$false }; Expect = '<target> --from-job J9 --service arm:rg/train-ws' }
        @{ Name = 'Test-AmlModelGate'; Call = { $input | Test-AmlModelGate -Target $target }; Expect = '--candidate job:J9 --service arm:rg/train-ws --target <target>' }
        @{ Name = 'Get-AmlRetrainingJob'; Call = { $input | Get-AmlRetrainingJob }; Expect = 'J9 --service arm:rg/train-ws' }
    ) {
        # What webservice retrain prints (web_service_id is the journal's reference): a ValidatePattern
        # that took only a classic id would fail this object's binding.
        [pscustomobject]@{ job_id = 'J9'; web_service_id = 'arm:rg/train-ws' } | & $Call
        $expected = $Expect.Replace('<target>', $target)
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { (@($Arguments) -join ' ') -eq $expected }
    }

    It 'leaves a piped training service out when the model comes from a URL' {
        # -ModelUrl selects the ModelUrl set: TrainingWebServiceId is only in FromJob, so it is not bound.
        # (target binds from the object too: an object that binds nothing is an InputObjectNotBound error.)
        [pscustomobject]@{ target = $target; web_service_id = $training } | Publish-AmlModel -ModelUrl 'https://a/m.ilearner' -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { (@($Arguments) -join ' ') -eq "$target --model-url -" }
    }

    It 'binds ResourceGroup and Name from webservice list entries' {
        [pscustomobject]@{ name = 'ws'; resource_group = 'rg' } | Get-AmlNewWebServiceKey
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { (@($Arguments) -join ' ') -eq 'rg ws' }
    }

    It 'binds the plan file from a plan' {
        [pscustomobject]@{ plan_file = $file; target = $target } | Invoke-AmlPromotionPlan -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { ($Command -join ' ') -eq 'apply' }
    }

    It 'Get-AmlTarget takes target strings by value and a target property by name' {
        # about_Parameter_Binding (PowerShell 7.4): ValueFromPipeline, then ValueFromPipelineByPropertyName,
        # each tried first without type conversion, so a string binds by value and a ledger entry or
        # plan by its target string (not the whole object converted to text).
        $target, 'arm:rg/ws' | Get-AmlTarget
        [pscustomobject]@{ seq = 3; target = 'arm:rg/ws2'; action = 'promote' } | Get-AmlTarget
        foreach ($one in $target, 'arm:rg/ws', 'arm:rg/ws2') {
            Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
                ($Command -join ' ') -eq 'target show' -and (@($Arguments) -join ' ') -eq $one
            }
        }
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 3 -Exactly
    }

    It 'binds where an online endpoint is from Get-AmlOnlineEndpoint output (<Name>)' -ForEach @(
        @{ Name = 'Get-AmlOnlineDeployment'; Call = { $input | Get-AmlOnlineDeployment }; Cli = 'online deployments list'; Expect = 'rg ws census-online' }
        @{ Name = 'Start-AmlOnlineRetraining'; Call = { $input | Start-AmlOnlineRetraining -Data https://a/d.csv -Confirm:$false }; Cli = 'online retrain'; Expect = 'rg ws --data https://a/d.csv --endpoint census-online' }
        @{ Name = 'Invoke-AmlOnlineScore'; Call = { $input | Invoke-AmlOnlineScore -InputFile $file }; Cli = 'online score'; Expect = 'rg ws census-online --input <file>' }
    ) {
        # The CLI prints only the endpoint's name: Get-AmlOnlineEndpoint adds where it is (its own arguments).
        Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli { [pscustomobject]@{ name = 'census-online'; traffic = @{ blue = 100 } } } -ParameterFilter { ($Command -join ' ') -eq 'online endpoints list' }
        $endpoints = @(Get-AmlOnlineEndpoint rg ws)
        $endpoints[0].EndpointName | Should -Be 'census-online'
        $endpoints[0].ResourceGroupName | Should -Be 'rg'
        $endpoints | & $Call
        $expected = $Expect.Replace('<file>', $file)
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { ($Command -join ' ') -eq $Cli -and (@($Arguments) -join ' ') -eq $expected }
    }

    It 'binds the endpoint of a deployment and the model of a retraining result' {
        [pscustomobject]@{ name = 'blue'; endpoint = 'census-online'; ResourceGroupName = 'rg'; WorkspaceName = 'ws' } | Invoke-AmlOnlineScore -InputFile $file
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { (@($Arguments) -join ' ') -eq "rg ws census-online --input $file" }
        [pscustomobject]@{ job_id = 'J7'; model_name = 'census-model'; model = 'azureml:census-model:4'; ResourceGroupName = 'rg'; WorkspaceName = 'ws' } | Get-AmlOnlineModel
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { (@($Arguments) -join ' ') -eq 'rg ws --name census-model' }
        [pscustomobject]@{ job_id = 'J7'; model = 'azureml:census-model:4' } | Publish-AmlModel -Target $next -Gate -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { (@($Arguments) -join ' ') -eq "$next --from-job J7 --gate" }
    }

    It 'binds target and seq from a ledger entry' {
        [pscustomobject]@{ seq = 3; target = $target; action = 'promote' } | Undo-AmlPromotion -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { (@($Arguments) -join ' ') -eq "$target --to 3" }
    }
}

Describe 'The training service and the timeout are refused where they cannot apply' {
    It '<Name> refuses -TrainingWebServiceId with -ModelUrl (parameter sets)' -ForEach @(
        @{ Name = 'Publish-AmlModel'; Call = { Publish-AmlModel $target -ModelUrl 'https://a/m.ilearner' -TrainingWebServiceId $training -Confirm:$false } }
        @{ Name = 'New-AmlPromotionPlan'; Call = { New-AmlPromotionPlan $target $file -ModelUrl 'https://a/m.ilearner' -TrainingWebServiceId $training -Confirm:$false } }
        @{ Name = 'Update-AmlWebServiceEndpoint'; Call = { Update-AmlWebServiceEndpoint $svc ep1 -ModelUrl 'https://a/m.ilearner' -TrainingWebServiceId $training -Confirm:$false } }
        @{ Name = 'Update-AmlNewWebServiceModel'; Call = { Update-AmlNewWebServiceModel rg ws -ModelUrl 'https://a/m.ilearner' -TrainingWebServiceId $training -Confirm:$false } }
        @{ Name = 'Set-AmlWebServiceDefinitionModel'; Call = { Set-AmlWebServiceDefinitionModel $file -ModelUrl 'https://a/m.ilearner' -TrainingWebServiceId $training -Confirm:$false } }
    ) {
        # "Parameter set cannot be resolved using the specified named parameters" (ParameterBindingException).
        $err = { & $Call } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmbiguousParameterSet*'
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 0 -Exactly
    }

    It 'Test-AmlModelGate refuses a training service for a metrics file' {
        $err = { Test-AmlModelGate -Candidate $file -TrainingWebServiceId $training } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlServiceWithoutJob*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 0 -Exactly
    }

    It 'leaves a malformed training service "<Value>" to the CLI (its usage error, exit 2)' -ForEach @(
        @{ Value = 'arm:only-a-group' }, @{ Value = 'arm:rg/ws/extra' }, @{ Value = 'abc/def' }
    ) {
        # No copy of the grammar in the module: Invoker.Tests.ps1 shows exit 2 becoming AmlUsage.
        Publish-AmlModel $target -FromJob J1 -TrainingWebServiceId $Value -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { (@($Arguments) -join ' ') -eq "$target --from-job J1 --service $Value" }
    }

    It 'refuses a timeout outside the CLI range 1..86400 (<Value>)' -ForEach @(@{ Value = 0 }, @{ Value = 86401 }) {
        { Invoke-AmlPromotionPlan $file -TimeoutSec $Value -Confirm:$false } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Targets are the CLI''s to parse' {
    It '<Name> hands a target of a kind it does not know to the CLI as is' -ForEach @(
        @{ Name = 'Get-AmlTarget'; Call = { Get-AmlTarget $next }; Cli = 'target show'; Expect = '<next>' }
        @{ Name = 'Publish-AmlModel'; Call = { Publish-AmlModel $next -FromJob J1 -Confirm:$false }; Cli = 'promote'; Expect = '<next> --from-job J1' }
        @{ Name = 'New-AmlPromotionPlan'; Call = { New-AmlPromotionPlan $next $file -FromJob J1 -Confirm:$false }; Cli = 'plan'; Expect = '<next> --out <file> --from-job J1' }
        @{ Name = 'Undo-AmlPromotion'; Call = { Undo-AmlPromotion $next -Confirm:$false }; Cli = 'rollback'; Expect = '<next>' }
        @{ Name = 'Get-AmlPromotionLedger'; Call = { Get-AmlPromotionLedger $next }; Cli = 'ledger show'; Expect = '<next>' }
        @{ Name = 'Test-AmlModelGate'; Call = { Test-AmlModelGate -FromJob J1 -Target $next }; Cli = 'gate'; Expect = '--candidate job:J1 --target <next>' }
    ) {
        # A ValidatePattern copy of today's forms would fail binding here (ParameterArgumentValidationError).
        $null = & $Call
        $expected = $Expect.Replace('<next>', $next).Replace('<file>', $file)
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter {
            ($Command -join ' ') -eq $Cli -and ((@($Arguments) -join ' ') -eq $expected)
        }
    }

    It 'no cmdlet declares a pattern for a target or a training service' -ForEach @('Target', 'TrainingWebServiceId') {
        $parameter = $_
        $withIt = @(Get-Command -Module AmlRetrain -CommandType Function | Where-Object { $_.Parameters.ContainsKey($parameter) })
        $withIt.Count | Should -BeGreaterThan 0
        foreach ($command in $withIt) {
            $command.Parameters[$parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidatePatternAttribute] } |
                Should -BeNullOrEmpty -Because "$($command.Name) -$parameter is the CLI's to check"
        }
    }
}

Describe 'Repair-AmlPromotionLedger' {
    It 'is ConfirmImpact High: it asks unless -Confirm:$false' {
        (Get-Command Repair-AmlPromotionLedger).ScriptBlock.Attributes.Where({ $_ -is [System.Management.Automation.CmdletBindingAttribute] }).ConfirmImpact | Should -Be 'High'
    }

    It 'passes the ledger as the global option and returns the repair' {
        $result = Repair-AmlPromotionLedger -Ledger $file -Confirm:$false
        $result.PSObject.TypeNames[0] | Should -Be 'AmlRetrain.LedgerRepair'
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -Times 1 -Exactly -ParameterFilter { $BoundParameters['Ledger'] -eq $file }
    }
}

Describe 'Secrets and stdin' {
    It 'hands SecureStrings to the invoker, never as arguments' {
        $token = [securestring]::new(); 'w-secret'.ToCharArray() | ForEach-Object { $token.AppendChar($_) }
        Start-AmlRetraining $training https://a/d.csv -WorkspaceToken $token -StorageConnectionString $token -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter {
            $BoundParameters['WorkspaceToken'] -is [securestring] -and $BoundParameters['StorageConnectionString'] -is [securestring] -and
            (@($Arguments) -join ' ') -notmatch 'w-secret'
        }
    }

    It 'passes a SAS model URL on stdin' {
        Update-AmlWebServiceEndpoint $svc ep1 -ModelUrl 'https://a/m.ilearner?sig=s' -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter {
            $InputText -eq 'https://a/m.ilearner?sig=s' -and @($Arguments) -notcontains 'https://a/m.ilearner?sig=s'
        }
    }

    It 'builds the URL from the azuremlps location triple' {
        Patch-AmlWebServiceEndpoint -WebServiceId $svc -EndpointName ep1 -BaseLocation 'https://acct.blob.core.windows.net/' `
            -RelativeLocation 'models/m.ilearner' -SasBlobToken '?sv=1&sig=s' -Confirm:$false
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter {
            $InputText -eq 'https://acct.blob.core.windows.net/models/m.ilearner?sv=1&sig=s'
        }
    }
}

Describe 'Results' {
    It 'Test-AmlModelGate accepts the gated exit code and -Quiet returns a boolean' {
        Test-AmlModelGate -Candidate job:J1 -Quiet | Should -BeTrue
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { $SuccessExitCode -contains 8 }
    }

    It 'Test-AmlPromotionLedger accepts exit 1 with a verdict' {
        Test-AmlPromotionLedger -Quiet | Should -BeTrue
        Should -Invoke -ModuleName AmlRetrain Invoke-AmlRetrainCli -ParameterFilter { $SuccessExitCode -contains 1 }
    }

    It 'Get-AmlWebService -Name "<Name>" finds <Count>' -ForEach @(
        @{ Name = 'Census Model [Training Exp.]'; Count = 1 }
        @{ Name = 'census model [training exp.]'; Count = 1 }
        @{ Name = '*[Predictive Exp.]'; Count = 1 }
        @{ Name = 'Census Model*'; Count = 2 }
        @{ Name = 'Census Model [T]'; Count = 0 }
    ) {
        Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli {
            [pscustomobject]@{ Id = 'a' * 32; Name = 'Census Model [Training Exp.]' }
            [pscustomobject]@{ Id = 'b' * 32; Name = 'Census Model [Predictive Exp.]' }
        }
        @(Get-AmlWebService -Name $Name).Count | Should -Be $Count
    }

    It 'Get-AmlNewWebService adds ResourceGroup to list entries' {
        Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli { [pscustomobject]@{ name = 'ws'; resource_group = 'rg' } }
        (Get-AmlNewWebService).ResourceGroup | Should -Be 'rg'
    }

    It 'Update-AmlNewWebService writes a -ServiceUpdates object to a temporary file and removes it' {
        Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli {
            $path = $Arguments[[array]::IndexOf($Arguments, '--file') + 1]
            [pscustomobject]@{ Exists = (Test-Path -LiteralPath $path); Content = (Get-Content -LiteralPath $path -Raw | ConvertFrom-Json); Path = $path }
        }
        $definition = [pscustomobject]@{ properties = @{ assets = @{ asset3 = @{ locationInfo = @{ uri = 'https://a/m.ilearner' } } } }; location = 'x' }
        $result = Update-AmlNewWebService rg ws -ServiceUpdates $definition -Confirm:$false
        $result.Exists | Should -BeTrue
        $result.Content.properties.assets.asset3.locationInfo.uri | Should -Be 'https://a/m.ilearner'
        Test-Path -LiteralPath $result.Path | Should -BeFalse
    }

    It 'Update-AmlNewWebService -ServiceUpdates <Kind> -WhatIf hands the dry run a written file' -ForEach @(
        @{ Kind = 'object'; Definition = [pscustomobject]@{ properties = @{ title = 't' }; location = 'x' } }
        @{ Kind = 'hashtable'; Definition = @{ properties = @{ title = 't' }; location = 'x' } }
    ) {
        # -WhatIf sets $WhatIfPreference in the function: a Set-Content there would write nothing.
        Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli {
            $path = $Arguments[[array]::IndexOf($Arguments, '--file') + 1]
            [pscustomobject]@{ Exists = (Test-Path -LiteralPath $path); Content = (Get-Content -LiteralPath $path -Raw | ConvertFrom-Json); Path = $path; Arguments = $Arguments }
        }
        $result = Update-AmlNewWebService rg ws -ServiceUpdates $Definition -WhatIf
        $result.Exists | Should -BeTrue
        $result.Arguments | Should -Contain '--dry-run'
        $result.Content.location | Should -Be 'x'
        $result.Content.properties.title | Should -Be 't'
        Test-Path -LiteralPath $result.Path | Should -BeFalse
    }

    It 'lets the invoker error through with its id' {
        Mock -ModuleName AmlRetrain Invoke-AmlRetrainCli {
            $record = [System.Management.Automation.ErrorRecord]::new(
                [System.Management.Automation.ItemNotFoundException]::new('NotFoundError: Endpoint not found.'), 'AmlNotFound', 'ObjectNotFound', $null)
            throw $record
        }
        $err = { Get-AmlWebServiceEndpoint $svc nope } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlNotFound*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
