#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0'; MaximumVersion = '5.99.99' }
# Every exported command has synopsis, description, examples and help for each of its parameters.

BeforeDiscovery {
    $manifest = Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1'
    Import-Module $manifest -Force
    $commands = @(Get-Command -Module AmlRetrain -CommandType Function | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    $manifest = Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain' 'AmlRetrain.psd1'
    Import-Module $manifest -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help of <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $command = Get-Command -Name $Name
    }

    It 'has a synopsis' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match 'CommonParameters'  # the generated fallback when help is missing
    }

    It 'has a description' {
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example' {
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 1
        $help.Examples.Example[0].Code | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter and only existing ones' {
        $declared = @($command.Parameters.Keys | Where-Object { $_ -notin $common })
        $documented = @($help.Parameters.Parameter | ForEach-Object { $_.Name } | Where-Object { $_ -notin $common })
        $documented | Sort-Object | Should -Be ($declared | Sort-Object)
        foreach ($parameter in $help.Parameters.Parameter | Where-Object { $_.Name -notin $common }) {
            ($parameter.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs help"
        }
    }

    It 'declares its output type' {
        $command.OutputType.Name | Should -BeLike 'AmlRetrain.*'
    }
}
