# Dot-sourced by the Windows step bodies: imports the AmlRetrain module and defines two helpers.
# The module passes the CLI's logging commands (output variables, error annotations) through to the
# agent, so the steps read the same output variables as on Linux.
param([Parameter(Mandatory)] [string] $ToolsDir)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ToolsDir 'pwsh-module/AmlRetrain/AmlRetrain.psd1') -ErrorAction Stop

function Get-StepInput {
    # A value the step template mapped into the environment with env: (never spliced into the script
    # text, so no quoting can break it). An undefined macro arrives as the literal "$(NAME)": empty.
    param([Parameter(Mandatory)] [string] $Name, [string] $Default = '')
    $value = [Environment]::GetEnvironmentVariable($Name)
    if (-not $value -or $value -like '$(*)') { return $Default }
    $value
}

function Set-PipelineOutput {
    param([Parameter(Mandatory)] [string] $Name, [AllowNull()] $Value)
    if ($null -eq $Value -or "$Value" -eq '') { return }
    Write-Host "##vso[task.setvariable variable=$Name;isOutput=true]$Value"
}

function Complete-AmlStep {
    # Gated (the CLI's exit 8, ErrorId AmlGated) is a decision, not a failure: end the step as
    # SucceededWithIssues with the reason. Anything else fails the step.
    param([Parameter(Mandatory)] [System.Management.Automation.ErrorRecord] $ErrorRecord)
    if ($ErrorRecord.FullyQualifiedErrorId -like 'AmlGated*') {
        Write-Host "##vso[task.complete result=SucceededWithIssues;]$($ErrorRecord.Exception.Message)"
        return
    }
    throw $ErrorRecord
}

# A secret variable that is not defined reaches the step as the literal text "$(NAME)"; an optional
# setting passed as '' is empty. Either way the CLI must fall back to its other sources.
Get-ChildItem Env: | Where-Object { $_.Name -like 'AML_RETRAIN_*' -or $_.Name -like 'AZURE_*' } |
    Where-Object { $_.Value -eq '' -or $_.Value -like '$(*)' } |
    ForEach-Object { Remove-Item "Env:$($_.Name)" }
