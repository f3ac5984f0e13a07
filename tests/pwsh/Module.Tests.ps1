#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0'; MaximumVersion = '5.99.99' }
# The manifest, the exports, the aliases and the parameter sets of the public surface.

BeforeAll {
    $moduleRoot = Join-Path $PSScriptRoot '..' '..' 'pwsh-module' 'AmlRetrain'
    $manifestPath = Join-Path $moduleRoot 'AmlRetrain.psd1'
    Import-Module $manifestPath -Force
    $manifest = Import-PowerShellDataFile -Path $manifestPath

    function Get-ParameterSet([string] $Name) {
        (Get-Command -Name $Name).ParameterSets | ForEach-Object {
            $names = @($_.Parameters | Where-Object { $_.Name -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and $_.Name -notin [System.Management.Automation.PSCmdlet]::OptionalCommonParameters } | ForEach-Object Name)
            '{0}: {1}' -f $_.Name, (($names | Sort-Object) -join ',')
        } | Sort-Object
    }
}

Describe 'Manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'targets PowerShell 7.4 Core' {
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports exactly the Public functions, without wildcards' {
        $public = Get-ChildItem -Path (Join-Path $moduleRoot 'Public') -Filter '*.ps1' | ForEach-Object BaseName
        ($manifest.FunctionsToExport | Sort-Object) | Should -Be ($public | Sort-Object)
        (Get-Command -Module AmlRetrain -CommandType Function).Name | Sort-Object | Should -Be ($public | Sort-Object)
        $manifest.FunctionsToExport + $manifest.AliasesToExport | Where-Object { $_ -like '*`**' } | Should -BeNullOrEmpty
    }

    It 'does not export private helpers' {
        Get-Command -Module AmlRetrain -Name Invoke-AmlRetrainCli -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'resolves the documented azuremlps names through aliases' -ForEach @(
        @{ Alias = 'Patch-AmlWebServiceEndpoint'; Target = 'Update-AmlWebServiceEndpoint' }
        @{ Alias = 'Add-AmlWebServiceEndpoint'; Target = 'New-AmlWebServiceEndpoint' }
        @{ Alias = 'Export-AmlWebService'; Target = 'Export-AmlWebServiceDefinition' }
        @{ Alias = 'Import-AmlWebService'; Target = 'Import-AmlWebServiceDefinition' }
        @{ Alias = 'Update-AmlWebService'; Target = 'Update-AmlNewWebService' }
    ) {
        (Get-Alias -Name $Alias).ResolvedCommandName | Should -Be $Target
    }

    It 'has no alias for the azuremlps invoke cmdlets, whose API-key parameters it cannot take' -ForEach @(
        'Invoke-AmlWebServiceBESEndpoint', 'Invoke-AmlWebServiceRRSEndpoint'
    ) {
        Get-Command -Name $_ -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        Get-Command -Module AmlRetrain -CommandType Function | ForEach-Object { $_.Verb | Should -BeIn $approved }
    }
}

Describe 'Parameter sets' {
    It 'Update-AmlWebServiceEndpoint takes a job, a URL or the azuremlps location triple' {
        Get-ParameterSet 'Update-AmlWebServiceEndpoint' | Should -Be @(
            'FromJob: ConfigFile,FromJob,Name,ProfilePath,Region,ResourceName,StorageConnectionString,WebServiceId,WorkspaceId,WorkspaceToken'
            'Location: BaseLocation,ConfigFile,Name,ProfilePath,Region,RelativeLocation,ResourceName,SasBlobToken,StorageConnectionString,WebServiceId,WorkspaceId,WorkspaceToken'
            'ModelUrl: ConfigFile,ModelUrl,Name,ProfilePath,Region,ResourceName,StorageConnectionString,WebServiceId,WorkspaceId,WorkspaceToken'
        )
    }

    It 'Start-AmlRetraining retrains a classic (default) or a new (ARM) training service, or either by reference' {
        $command = Get-Command Start-AmlRetraining
        $command.DefaultParameterSet | Should -Be 'Classic'
        $command.ParameterSets.Name | Sort-Object | Should -Be @('Arm', 'Classic', 'Reference')
        $arm = $command.ParameterSets | Where-Object Name -eq 'Arm'
        ($arm.Parameters | Where-Object IsMandatory).Name | Sort-Object | Should -Be @('Data', 'Name', 'ResourceGroupName')
        $reference = $command.ParameterSets | Where-Object Name -eq 'Reference'
        ($reference.Parameters | Where-Object IsMandatory).Name | Sort-Object | Should -Be @('Data', 'TrainingWebServiceId')
    }

    It '<Name> lists or shows, by resource group and workspace' -ForEach @(
        @{ Name = 'Get-AmlOnlineEndpoint'; Sets = @('List: ArmToken,ProfilePath,ResourceGroupName,SubscriptionId,WorkspaceName', 'Show: ArmToken,Name,ProfilePath,ResourceGroupName,SubscriptionId,WorkspaceName') }
        @{ Name = 'Get-AmlOnlineDeployment'; Sets = @('List: ArmToken,EndpointName,ProfilePath,ResourceGroupName,SubscriptionId,WorkspaceName', 'Show: ArmToken,EndpointName,Name,ProfilePath,ResourceGroupName,SubscriptionId,WorkspaceName') }
    ) {
        Get-ParameterSet $Name | Should -Be $Sets
    }

    It 'the online cmdlets bind where an object is by property name' -ForEach @(
        'Get-AmlOnlineEndpoint', 'Get-AmlOnlineDeployment', 'Get-AmlOnlineModel', 'Start-AmlOnlineRetraining', 'Invoke-AmlOnlineScore'
    ) {
        foreach ($name in 'ResourceGroupName', 'WorkspaceName') {
            $attribute = (Get-Command $_).Parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $attribute.ValueFromPipelineByPropertyName | Should -Contain $true
        }
    }

    It 'Export-AmlWebServiceDefinition takes a resource group and name, or a -WebService object' {
        $command = Get-Command Export-AmlWebServiceDefinition
        $command.ParameterSets.Name | Sort-Object | Should -Be @('Name', 'WebService')
        $command.Parameters['WebService'].ParameterType | Should -Be ([psobject])
        $command.Parameters['Path'].Aliases | Should -Contain 'OutputFile'
    }

    It 'Get-AmlNewWebService lists or shows' {
        Get-ParameterSet 'Get-AmlNewWebService' | Should -Be @(
            'List: ArmToken,ProfilePath,ResourceGroup,SubscriptionId'
            'Show: ArmToken,Name,ProfilePath,ResourceGroup,SubscriptionId'
        )
    }

    It 'Update-AmlNewWebService takes a file or a definition object' {
        (Get-Command Update-AmlNewWebService).ParameterSets.Name | Sort-Object | Should -Be @('Definition', 'Path')
        (Get-Command Update-AmlNewWebService).Parameters['Definition'].Aliases | Should -Contain 'ServiceUpdates'
    }

    It 'state-changing cmdlets support -WhatIf and -Confirm' -ForEach @(
        'New-AmlWebServiceEndpoint', 'Remove-AmlWebServiceEndpoint', 'Update-AmlWebServiceEndpoint', 'Start-AmlRetraining',
        'Stop-AmlRetrainingJob', 'Export-AmlWebServiceDefinition', 'Set-AmlWebServiceDefinitionModel', 'Update-AmlNewWebServiceModel',
        'Update-AmlNewWebService', 'New-AmlPromotionPlan', 'Invoke-AmlPromotionPlan', 'Publish-AmlModel', 'Undo-AmlPromotion', 'Invoke-AmlFanout',
        'Start-AmlOnlineRetraining', 'New-AmlFanoutRunId'
    ) {
        (Get-Command $_).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command $_).Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'secrets are SecureStrings' -ForEach @('WorkspaceToken', 'ArmToken', 'StorageConnectionString') {
        $secret = $_
        Get-Command -Module AmlRetrain -CommandType Function | Where-Object { $_.Parameters.ContainsKey($secret) } | ForEach-Object {
            $_.Parameters[$secret].ParameterType | Should -Be ([securestring])
        }
    }

    It 'Get-AmlTarget takes its one target positionally, by value and by property name' {
        $attribute = (Get-Command Get-AmlTarget).Parameters['Target'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attribute.Mandatory | Should -BeTrue
        $attribute.Position | Should -Be 0
        $attribute.ValueFromPipeline | Should -BeTrue
        $attribute.ValueFromPipelineByPropertyName | Should -BeTrue
        Get-ParameterSet 'Get-AmlTarget' | Should -Be @('__AllParameterSets: ArmToken,ConfigFile,ProfilePath,Region,SubscriptionId,Target,WorkspaceId,WorkspaceToken')
    }

    It 'endpoint cmdlets bind WebServiceId and Name by property name' -ForEach @(
        'Update-AmlWebServiceEndpoint', 'Remove-AmlWebServiceEndpoint', 'Get-AmlWebServiceEndpointPatchUrl', 'Invoke-AmlWebServiceScore'
    ) {
        foreach ($name in 'WebServiceId', 'Name') {
            $attribute = (Get-Command $_).Parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $attribute.ValueFromPipelineByPropertyName | Should -Contain $true
        }
    }
}
