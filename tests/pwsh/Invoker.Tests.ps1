#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0'; MaximumVersion = '5.99.99' }
# Invoke-AmlRetrainCli against fake CLIs: argument order, JSON and type names, secrets by environment,
# stdin, logging commands, and the exit code -> ErrorRecord mapping.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1') -Force

    # A fake CLI as a script: behaviour from FAKE_* variables; echoes argv, secrets and stdin as JSON.
    $script:fakeScript = Join-Path $TestDrive 'fake-aml-retrain.ps1'
    Set-Content -LiteralPath $script:fakeScript -Encoding utf8NoBOM -Value @'
# Runs as "pwsh -File" in a child process (the invoker starts a .ps1 so): plain stderr lines,
# stdin read to its end (the invoker always closes it).
$stdin = [Console]::In.ReadToEnd().TrimEnd("`r", "`n")
if ($env:FAKE_STDERR) { foreach ($line in $env:FAKE_STDERR -split '\|') { [Console]::Error.WriteLine($line) } }
if ($env:FAKE_STDOUT) { $env:FAKE_STDOUT }
else {
    [pscustomobject]@{
        argv   = @($args)
        token  = $env:AML_RETRAIN_WORKSPACE_TOKEN
        arm    = $env:AML_RETRAIN_ARM_TOKEN
        conn   = $env:AML_RETRAIN_STORAGE_CONNECTION_STRING
        region = $env:AML_RETRAIN_REGION
        stdin  = $stdin
    } | ConvertTo-Json -Compress
}
exit [int]$env:FAKE_EXIT
'@

    function Set-Fake([int] $Exit = 0, [string] $Stdout = '', [string] $Stderr = '') {
        $env:FAKE_EXIT = $Exit
        $env:FAKE_STDOUT = $Stdout
        $env:FAKE_STDERR = $Stderr
    }

    function Invoke-Cli {
        param([string[]] $Command, [object[]] $Arguments = @(), [hashtable] $Bound = @{}, [string] $InputText, [int[]] $SuccessExitCode = @(0))
        InModuleScope AmlRetrain -Parameters @{ C = $Command; A = $Arguments; B = $Bound; I = $InputText; S = $SuccessExitCode } {
            param($C, $A, $B, $I, $S)
            Invoke-AmlRetrainCli -Command $C -Arguments $A -TypeName 'AmlRetrain.Test' -BoundParameters $B -InputText $I -SuccessExitCode $S
        }
    }
}

BeforeEach {
    $env:AML_RETRAIN_CLI = $script:fakeScript
    Set-Fake
}

AfterAll {
    Remove-Item -Path Env:AML_RETRAIN_CLI, Env:FAKE_EXIT, Env:FAKE_STDOUT, Env:FAKE_STDERR -ErrorAction SilentlyContinue
}

Describe 'Invoke-AmlRetrainCli' {
    It 'puts --output json and the global options before the subcommand' {
        $bound = @{ ProfilePath = '/p.json'; WorkspaceId = 'a' * 32; Ledger = 'az://l/x.jsonl'; Name = 'ignored' }
        $result = Invoke-Cli -Command 'classic', 'endpoints', 'list' -Arguments 'SVC', '--show-keys' -Bound $bound
        $result.argv | Should -Be @('--output', 'json', '--profile', '/p.json', '--workspace', ('a' * 32), '--ledger', 'az://l/x.jsonl',
            'classic', 'endpoints', 'list', 'SVC', '--show-keys')
    }

    It 'tags every object with the PSTypeName' {
        Set-Fake -Stdout '[{"Name":"a"},{"Name":"b"}]'
        $result = @(Invoke-Cli -Command 'classic', 'services', 'list')
        $result.Count | Should -Be 2
        $result | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'AmlRetrain.Test' }
    }

    It 'returns nothing for an empty JSON array' {
        Set-Fake -Stdout '[]'
        @(Invoke-Cli -Command 'ledger', 'show').Count | Should -Be 0
    }

    It 'passes secrets in the child environment only, never in argv or this process' {
        $env:AML_RETRAIN_WORKSPACE_TOKEN = 'outer'
        $token = [securestring]::new(); 'w-secret'.ToCharArray() | ForEach-Object { $token.AppendChar($_) }
        $arm = [pscredential]::new('x', [securestring]::new())
        $bound = @{ WorkspaceToken = $token; ArmToken = $arm }
        $result = Invoke-Cli -Command 'classic', 'services', 'list' -Bound $bound
        $result.token | Should -Be 'w-secret'
        $result.argv -join ' ' | Should -Not -Match 'w-secret'
        $env:AML_RETRAIN_WORKSPACE_TOKEN | Should -Be 'outer'
        Test-Path Env:AML_RETRAIN_ARM_TOKEN | Should -BeFalse
        Remove-Item Env:AML_RETRAIN_WORKSPACE_TOKEN
    }

    It 'keeps each parallel runspace''s secret to its own child process' {
        $manifest = Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1'
        $results = 1..6 | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:manifest -Force
            $token = [securestring]::new(); "token-$_".ToCharArray() | ForEach-Object { $token.AppendChar($_) }
            & (Get-Module AmlRetrain) {
                param($t)
                Invoke-AmlRetrainCli -Command 'classic', 'services', 'list' -TypeName 'AmlRetrain.Test' -BoundParameters @{ WorkspaceToken = $t }
            } $token
        }
        @($results.token | Sort-Object) | Should -Be @(1..6 | ForEach-Object { "token-$_" } | Sort-Object)
        Test-Path Env:AML_RETRAIN_WORKSPACE_TOKEN | Should -BeFalse
    }

    It 'reads an azuremlps config.json; explicit parameters win' {
        $config = Join-Path $TestDrive 'config.json'
        Set-Content -LiteralPath $config -Value ('{{ "WorkspaceId": "{0}", "AuthorizationToken": "cfg-token", "Location": "West Europe" }}' -f ('b' * 32))
        $result = Invoke-Cli -Command 'classic', 'services', 'list' -Bound @{ ConfigFile = $config }
        $result.argv[2..3] | Should -Be @('--workspace', ('b' * 32))
        $result.token | Should -Be 'cfg-token'
        $result.region | Should -Be 'West Europe'
        $result.argv -join ' ' | Should -Not -Match 'cfg-token'
        $explicit = Invoke-Cli -Command 'classic', 'services', 'list' -Bound @{ ConfigFile = $config; WorkspaceId = 'c' * 32; Region = 'japaneast' }
        $explicit.argv[2..3] | Should -Be @('--workspace', ('c' * 32))
        $explicit.region | Should -Be 'japaneast'
    }

    It 'passes empty arguments through as empty arguments' {
        (Invoke-Cli -Command 'classic', 'retrain' -Arguments 'S', '--global', '').argv[-1] | Should -Be ''
    }

    It 'streams the CLI''s stderr lines to the verbose stream' {
        Set-Fake -Stdout '{}' -Stderr 'submitting job|job J1: Running|job J1: Finished'
        $verbose = Invoke-Cli -Command 'classic', 'retrain' -Arguments 'S' -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        @($verbose.Message) | Should -Contain 'job J1: Running'
        @($verbose.Message) | Should -Contain 'job J1: Finished'
    }

    It 'takes the ARM token of a loaded Az.Accounts for cmdlets with -ArmToken, unless one is given' {
        # A stand-in Az.Accounts: Get-AzAccessToken -AsSecureString returns .Token as a SecureString.
        New-Module -Name Az.Accounts -ScriptBlock {
            function Get-AzAccessToken {
                param([switch] $AsSecureString)
                $token = [securestring]::new(); 'az-token'.ToCharArray() | ForEach-Object { $token.AppendChar($_) }
                [pscustomobject]@{ Token = $token; AsSecureString = $AsSecureString.IsPresent }
            }
            Export-ModuleMember -Function Get-AzAccessToken
        } | Import-Module -Force
        try {
            (Get-AmlNewWebService -ResourceGroup rg -Name ws).arm | Should -Be 'az-token'
            $mine = [securestring]::new(); 'mine'.ToCharArray() | ForEach-Object { $mine.AppendChar($_) }
            (Get-AmlNewWebService -ResourceGroup rg -Name ws -ArmToken $mine).arm | Should -Be 'mine'
            (Get-AmlWebService).arm | Should -BeNullOrEmpty  # a classic cmdlet has no -ArmToken
        }
        finally {
            Remove-Module -Name Az.Accounts -Force
        }
    }

    It 'writes InputText to standard input' {
        (Invoke-Cli -Command 'promote' -Arguments 'T', '--model-url', '-' -InputText 'https://a/b.ilearner?sig=x').stdin |
            Should -Be 'https://a/b.ilearner?sig=x'
    }

    It 'maps exit code <Exit> to <ErrorId> / <Category>' -ForEach @(
        @{ Exit = 1; ErrorId = 'AmlCliFailed'; Category = 'InvalidResult'; Type = [System.Exception] }
        @{ Exit = 2; ErrorId = 'AmlUsage'; Category = 'InvalidArgument'; Type = [System.ArgumentException] }
        @{ Exit = 3; ErrorId = 'AmlNotFound'; Category = 'ObjectNotFound'; Type = [System.Management.Automation.ItemNotFoundException] }
        @{ Exit = 4; ErrorId = 'AmlTimeout'; Category = 'OperationTimeout'; Type = [System.TimeoutException] }
        @{ Exit = 5; ErrorId = 'AmlAuthentication'; Category = 'AuthenticationError'; Type = [System.UnauthorizedAccessException] }
        @{ Exit = 6; ErrorId = 'AmlConflict'; Category = 'ResourceExists'; Type = [System.InvalidOperationException] }
        @{ Exit = 8; ErrorId = 'AmlGated'; Category = 'PermissionDenied'; Type = [System.InvalidOperationException] }
        @{ Exit = 9; ErrorId = 'AmlStalePlan'; Category = 'InvalidOperation'; Type = [System.InvalidOperationException] }
        @{ Exit = 42; ErrorId = 'AmlCliFailed'; Category = 'NotSpecified'; Type = [System.Exception] }
    ) {
        Set-Fake -Exit $Exit -Stdout ' ' -Stderr 'progress line|SomeError: the one-line message (HTTP 404)|##vso[task.logissue type=error]SomeError'
        $err = { Invoke-Cli -Command 'classic', 'endpoints', 'show' -Arguments 'S', 'E' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.Exception.GetType() | Should -Be $Type
        $err.Exception.Message | Should -Be 'SomeError: the one-line message (HTTP 404)'
    }

    It 'passes the plain usage-error line on as the message' {
        Set-Fake -Exit 2 -Stderr "aml-retrain: error: No such option: --nope"
        $err = { Invoke-Cli -Command 'classic', 'endpoints', 'show' -Arguments 'S', 'E', '--nope' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlUsage*'
        $err.Exception.Message | Should -Be 'aml-retrain: error: No such option: --nope'
    }

    It 'Get-AmlTarget passes the target verbatim as the one argument of target show' {
        $result = Get-AmlTarget -Target 'classic:abc/ep 1#r'
        $result.argv | Should -Be @('--output', 'json', 'target', 'show', 'classic:abc/ep 1#r')
        $result.PSObject.TypeNames[0] | Should -Be 'AmlRetrain.TargetState'
    }

    It 'surfaces the CLI''s refusal of a malformed target as AmlUsage of the cmdlet called' {
        # The module has no copy of the target grammar: the CLI refuses (exit 2, one line) before
        # reading anything, and the error is the one every usage error becomes.
        Set-Fake -Exit 2 -Stderr "ValidationError: invalid target 'onlin:rg/ws': it must start with 'classic:' or 'arm:'; accepted forms are ..."
        Get-AmlTarget 'onlin:rg/ws' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AmlUsage*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].Exception.GetType() | Should -Be ([System.ArgumentException])
        $failures[0].Exception.Message | Should -BeLike "ValidationError: invalid target 'onlin:rg/ws'*"
        $failures[0].InvocationInfo.MyCommand.Name | Should -Be 'Get-AmlTarget'
        $err = { Get-AmlTarget 'onlin:rg/ws' -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlUsage*'
    }

    It 'writes a non-terminating error per failed pipeline item, attributed to the public cmdlet' {
        Set-Fake -Exit 3 -Stderr 'NotFoundError: endpoint not found (HTTP 404)'
        $svc = 'c7d1e3f5a2b44c6d8e0f1a3b5c7d9e2f'
        $items = 'ep1', 'ep2' | ForEach-Object { [pscustomobject]@{ WebServiceId = $svc; Name = $_ } }
        $items | Remove-AmlWebServiceEndpoint -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 2
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AmlNotFound*'
        $failures[0].InvocationInfo.MyCommand.Name | Should -Be 'Remove-AmlWebServiceEndpoint'
        $failures[1].Exception.Message | Should -Be 'NotFoundError: endpoint not found (HTTP 404)'
    }

    It 'throws when the calling scope says $ErrorActionPreference = Stop' {
        Set-Fake -Exit 3 -Stderr 'NotFoundError: endpoint not found'
        $ErrorActionPreference = 'Stop'
        $err = { Get-AmlWebServiceEndpoint 'c7d1e3f5a2b44c6d8e0f1a3b5c7d9e2f' ep1 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlNotFound*'
    }

    It 'keeps the printed result as the TargetObject of a gated error' {
        Set-Fake -Exit 8 -Stdout '{"outcome":"gated","summary":"AUC regressed"}' -Stderr 'GatedError: gated'
        $err = { Invoke-Cli -Command 'promote' } | Should -Throw -PassThru
        $err.TargetObject.outcome | Should -Be 'gated'
    }

    It 'tags a failed fan-out''s rollbacks as AmlRetrain.FanoutRollback in the error''s TargetObject' {
        $manifest = Join-Path $TestDrive 'fanout.yaml'
        Set-Content -LiteralPath $manifest -Value 'version: 1'
        Set-Fake -Exit 1 -Stdout '{"outcome":"failed","run_id":"20261203T183000Z-1a2b3c4d","failed_wave":2,"rollbacks":[{"target":"classic:a/b","outcome":"rolled_back"}]}' -Stderr 'Error: wave 2 over its failure budget'
        $err = { Invoke-AmlFanout $manifest -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.TargetObject.PSObject.TypeNames[0] | Should -Be 'AmlRetrain.FanoutResult'
        $err.TargetObject.rollbacks[0].PSObject.TypeNames[0] | Should -Be 'AmlRetrain.FanoutRollback'
        $err.TargetObject.run_id | Should -Be '20261203T183000Z-1a2b3c4d'
    }

    It 'reads a run''s targets, tagged AmlRetrain.FanoutRunTarget, from fanout status' {
        Set-Fake -Stdout '{"run_id":"20261203T183000Z-1a2b3c4d","entries":2,"waves":[1],"targets":[{"wave":1,"target":"classic:a/b","state":"rolled-back"}]}'
        $run = [pscustomobject]@{ run_id = '20261203T183000Z-1a2b3c4d' } | Get-AmlFanoutRun
        $run.PSObject.TypeNames[0] | Should -Be 'AmlRetrain.FanoutRun'
        $run.targets[0].PSObject.TypeNames[0] | Should -Be 'AmlRetrain.FanoutRunTarget'
        $run.targets[0].state | Should -Be 'rolled-back'
    }

    It 'returns the result for an accepted exit code with JSON' {
        Set-Fake -Exit 8 -Stdout '{"outcome":"gated"}'
        (Invoke-Cli -Command 'gate' -SuccessExitCode 0, 8).outcome | Should -Be 'gated'
    }

    It 'still fails for an accepted exit code without JSON' {
        Set-Fake -Exit 1 -Stderr 'LedgerError: cannot read the ledger'
        { Invoke-Cli -Command 'ledger', 'verify' -SuccessExitCode 0, 1 } | Should -Throw -ExpectedMessage 'LedgerError: cannot read the ledger'
    }

    It 'reports output that is not JSON' {
        Set-Fake -Stdout 'not json'
        $err = { Invoke-Cli -Command 'classic', 'services', 'list' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlCliInvalidJson*'
    }

    It 'reports a missing CLI' {
        $env:AML_RETRAIN_CLI = Join-Path $TestDrive 'does-not-exist'
        $err = { Invoke-Cli -Command 'classic', 'services', 'list' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlCliNotFound*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Invoke-AmlRetrainCli with a native executable' -Skip:$IsWindows {
    BeforeAll {
        $script:native = Join-Path $TestDrive 'aml-retrain'
        Set-Content -LiteralPath $script:native -Encoding utf8NoBOM -Value @'
#!/bin/sh
read -r line
echo "NotFoundError: Endpoint not found. ($AML_RETRAIN_WORKSPACE_TOKEN|$line|$*)" >&2
exit 3
'@
        chmod +x $script:native
    }

    It 'finds aml-retrain on the PATH, not in the current folder' {
        $decoy = Join-Path $TestDrive 'cwd'
        $null = New-Item -ItemType Directory -Path $decoy -Force
        Set-Content -LiteralPath (Join-Path $decoy 'aml-retrain') -Value "#!/bin/sh`nexit 42"
        chmod +x (Join-Path $decoy 'aml-retrain')
        Remove-Item Env:AML_RETRAIN_CLI
        $savedPath = $env:PATH
        try {
            Push-Location -LiteralPath $decoy
            $env:PATH = (Split-Path -Parent $script:native) + [System.IO.Path]::PathSeparator + $savedPath
            InModuleScope AmlRetrain { Resolve-AmlRetrainCli } | Should -Be $script:native
        }
        finally {
            Pop-Location
            $env:PATH = $savedPath
        }
    }

    It 'reads stderr, the exit code and the environment of a real child process' {
        $env:AML_RETRAIN_CLI = $script:native
        $token = [securestring]::new(); 'tok'.ToCharArray() | ForEach-Object { $token.AppendChar($_) }
        $err = { Invoke-Cli -Command 'classic', 'endpoints', 'show' -Arguments 'S', 'E' -Bound @{ WorkspaceToken = $token } -InputText 'from-stdin' } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmlNotFound*'
        $err.Exception.Message | Should -Be 'NotFoundError: Endpoint not found. (tok|from-stdin|--output json classic endpoints show S E)'
    }
}
