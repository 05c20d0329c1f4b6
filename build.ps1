<#
.SYNOPSIS
  EdgeTrain.Actors build script for Windows (build.sh is the Linux and macOS twin).
.EXAMPLE
  ./build.ps1 build          # restore and build the solution (Release)
  ./build.ps1 test           # build, then run every test project, one at a time
  ./build.ps1 demo           # a seed and 3 node processes train hocon/jobs/mnist-mlp.conf
  ./build.ps1 train-local    # train hocon/jobs/mnist-mlp.conf in one process
  ./build.ps1 train-local --job hocon/jobs/mnist-cnn.conf --json
  ./build.ps1 bench          # BenchmarkDotNet: merge, codecs, serializer
  ./build.ps1 format         # dotnet format --verify-no-changes
  ./build.ps1 dotnet ARGS    # any dotnet command
#>
param(
  [Parameter(Position = 0)][string]$Verb,
  [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$configuration = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { 'Release' }
$solution = 'EdgeTrain.Actors.sln'

function Invoke-Dotnet([string[]]$Arguments) {
  & dotnet @Arguments
  if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Verb) {
  'build' { Invoke-Dotnet (@('build', $solution, '-c', $configuration) + $Rest) }
  'test' {
    # one test assembly at a time, the integration tests (real processes) last; see build.sh
    Invoke-Dotnet @('build', $solution, '-c', $configuration)
    $projects = @(Get-ChildItem tests/*/*.Tests.csproj | ForEach-Object { $_.FullName }) + @('tests/EdgeTrain.IntegrationTests/EdgeTrain.IntegrationTests.csproj')
    $failed = 0
    foreach ($project in $projects) {
      & dotnet @(@('test', $project, '-c', $configuration, '--no-build') + $Rest)
      if ($LASTEXITCODE -ne 0 -and $failed -eq 0) { $failed = $LASTEXITCODE }
    }
    if ($failed -ne 0) { exit $failed }
  }
  'demo' {
    $demoArgs = if ($Rest.Count -gt 0) { $Rest } else { @('--nodes', '3', '--job', 'hocon/jobs/mnist-mlp.conf') }
    # the demo runs without TLS until it can enrol its nodes
    Invoke-Dotnet (@('run', '--project', 'src/EdgeTrain.Seed', '-c', $configuration, '--', 'demo', '--insecure') + $demoArgs)
  }
  'train-local' {
    $jobArgs = if ($Rest.Count -gt 0) { $Rest } else { @('--job', 'hocon/jobs/mnist-mlp.conf') }
    Invoke-Dotnet (@('run', '--project', 'src/EdgeTrain.Seed', '-c', $configuration, '--', 'train-local') + $jobArgs)
  }
  'bench' {
    $benchArgs = if ($Rest.Count -gt 0) { $Rest } else { @('--filter', '*') }
    Invoke-Dotnet (@('run', '-c', $configuration, '--project', 'tests/EdgeTrain.Benchmarks', '--') + $benchArgs)
  }
  'format' { Invoke-Dotnet (@('format', $solution, '--verify-no-changes') + $Rest) }
  'dotnet' { Invoke-Dotnet $Rest }
  default {
    Get-Help $PSCommandPath -Examples
    exit 2
  }
}
