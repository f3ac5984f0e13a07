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

function Get-TargetService {
    # Where a target's service is, from the detail Get-AmlTarget (`target show`) returned: its ids as
    # the CLI printed them, never the target text (as scripts/service.py does for the Linux steps).
    # Kind classic (ServiceId, Endpoint), webservice (ResourceGroup, Name) or online (ResourceGroup,
    # Workspace, Endpoint, Deployment: the one serving); $null for a detail of any other shape.
    param([Parameter(Mandatory)] [AllowNull()] $Shown)
    $detail = if ($Shown -and $Shown.PSObject.Properties['detail']) { $Shown.detail } else { $null }
    if (-not $detail) { return $null }
    $has = { param($name) [bool]($detail.PSObject.Properties[$name] -and $detail.$name) }
    if ((& $has 'service_id') -and (& $has 'endpoint')) {
        return @{ Kind = 'classic'; ServiceId = $detail.service_id; Endpoint = $detail.endpoint }
    }
    $id = if (& $has 'resource_id') { $detail.resource_id } elseif (& $has 'endpoint_id') { $detail.endpoint_id } else { '' }
    # ARM ids are case-insensitive, and so is -match.
    if ($id -match '/resourceGroups/([^/]+)/.*/webServices/([^/]+)$') {
        return @{ Kind = 'webservice'; ResourceGroup = $Matches[1]; Name = $Matches[2] }
    }
    if ($id -match '/resourceGroups/([^/]+)/.*/workspaces/([^/]+)/onlineEndpoints/([^/]+)$') {
        $deployment = if (& $has 'deployment') { $detail.deployment } else { '' }
        return @{ Kind = 'online'; ResourceGroup = $Matches[1]; Workspace = $Matches[2]; Endpoint = $Matches[3]; Deployment = $deployment }
    }
    $null
}

function Publish-GateSummary {
    # The gate's rules as markdown on the run's summary page (##vso[task.uploadsummary]), as
    # scripts/summary.py renders them for the Linux steps.
    param([Parameter(Mandatory)] $Result, [string] $Target, [string] $Candidate)
    $lines = @("### aml-retrain gate: **$($Result.outcome)**", '', "Candidate ``$Candidate`` against what ``$Target`` serves now.", '')
    if ($Result.summary) { $lines += @("$($Result.summary)", '') }
    if ($Result.rules) {
        $lines += @('| metric | direction | candidate | baseline | threshold | passed |', '|---|---|---|---|---|---|')
        foreach ($r in $Result.rules) {
            $lines += "| $($r.metric) | $($r.direction) | $($r.candidate) | $($r.baseline) | $($r.threshold) | $(if ($r.passed) { 'yes' } else { 'no' }) |"
        }
    }
    $dir = if ($env:BUILD_ARTIFACTSTAGINGDIRECTORY) { $env:BUILD_ARTIFACTSTAGINGDIRECTORY } else { [IO.Path]::GetTempPath() }
    $path = Join-Path $dir 'aml-retrain-gate.md'
    [IO.File]::WriteAllLines($path, [string[]] $lines)
    Write-Host "##vso[task.uploadsummary]$path"
}

function Publish-PlanSummary {
    # The plan as markdown on the run's summary page, for the approvers of the Apply stage (as
    # scripts/summary.py renders it for the Linux steps). Model URLs are shown without a query.
    param([Parameter(Mandatory)] [string] $Path)
    if (-not (Test-Path -LiteralPath $Path)) { return }
    $plan = Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
    $change = $plan.change
    $before = if ($change.before_uri) { $change.before_uri } elseif ($change.before) { "$($change.before.BaseLocation)".TrimEnd('/') + '/' + "$($change.before.RelativeLocation)".TrimStart('/') } else { $plan.old_model }
    $lines = @("### aml-retrain plan for ``$($plan.target)``", '', '| | |', '|---|---|',
        "| serves now | ``$("$before".Split('?')[0])`` |", "| will serve | ``$("$($plan.model_url)".Split('?')[0])`` |",
        "| from job | $($plan.job_id) |", "| already current | $(if ($plan.already_current) { 'yes' } else { 'no' }) |")
    if ($plan.gate) { $lines += "| gate | $($plan.gate.outcome): $($plan.gate.summary) |" }
    $lines += @('', 'Approve the Apply stage to deploy exactly this plan; a target changed since refuses it.')
    $summary = [IO.Path]::ChangeExtension($Path, '.md')
    [IO.File]::WriteAllLines($summary, [string[]] $lines)
    Write-Host "##vso[task.uploadsummary]$summary"
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
