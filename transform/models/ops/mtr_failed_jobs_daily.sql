with

runs as (

    select
        run_id,
        status,
        cast(timezone('UTC', started_at) as date) as run_date

    from {{ source('ops', 'runs') }}

),

failed_steps as (

    select
        run_id,
        step,
        split_part(name, '.', 1) as resource_type

    from {{ source('ops', 'run_steps') }}
    where {{ is_failed_status('status') }}

),

failed_steps_per_day as (

    select
        runs.run_date,
        count(*) filter (where failed_steps.step = 'ingest') as failed_source_steps,
        count(*) filter (
            where failed_steps.step in ('transform', 'freshness')
            and failed_steps.resource_type in ('model', 'snapshot', 'seed')
        ) as failed_models,
        count(*) filter (
            where failed_steps.resource_type in ('test', 'unit_test')
        ) as failed_tests,
        count(*) filter (where failed_steps.step = 'freshness') as failed_freshness_checks,
        count(*) filter (where failed_steps.step = 'alert') as failed_alert_deliveries

    from failed_steps
    inner join runs
        on failed_steps.run_id = runs.run_id
    group by runs.run_date

),

final as (

    select
        runs.run_date,
        count(*) as runs,
        count(*) filter (where runs.status = 'failed') as failed_runs,
        coalesce(any_value(failed_steps_per_day.failed_source_steps), 0) as failed_source_steps,
        coalesce(any_value(failed_steps_per_day.failed_models), 0) as failed_models,
        coalesce(any_value(failed_steps_per_day.failed_tests), 0) as failed_tests,
        coalesce(any_value(failed_steps_per_day.failed_freshness_checks), 0)
            as failed_freshness_checks,
        coalesce(any_value(failed_steps_per_day.failed_alert_deliveries), 0)
            as failed_alert_deliveries

    from runs
    left join failed_steps_per_day
        on runs.run_date = failed_steps_per_day.run_date
    group by runs.run_date

)

select * from final
