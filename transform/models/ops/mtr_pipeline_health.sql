with

runs as (
    {{ import_columns(source('ops', 'runs'), ['run_id', 'started_at']) }}
),

run_steps as (
    {{ import_columns(source('ops', 'run_steps'), ['run_id', 'step', 'name', 'source', 'status']) }}
),

incidents as (
    {{ import_columns(source('ops', 'incidents'), ['subject', 'status']) }}
),

{#- A source's outcome in a run: failed when any of its tables failed. #}
source_outcomes as (

    select
        'source' as component_type,
        run_steps.source as component,
        run_steps.run_id,
        any_value(runs.started_at) as started_at,
        case when bool_or({{ is_failed_status('run_steps.status') }}) then 'failed' else 'ok' end
            as status

    from run_steps
    inner join runs
        on run_steps.run_id = runs.run_id
    where run_steps.step = 'ingest' and run_steps.source is not null
    group by run_steps.source, run_steps.run_id

),

stage_outcomes as (

    select
        'stage' as component_type,
        run_steps.name as component,
        run_steps.run_id,
        runs.started_at,
        run_steps.status

    from run_steps
    inner join runs
        on run_steps.run_id = runs.run_id
    where run_steps.step = 'stage'

),

outcomes as (

    select * from source_outcomes
    union all
    select * from stage_outcomes

),

open_incidents as (

    select
        subject,
        count(*) as open_incidents

    from incidents
    where status = 'open'
    group by subject

),

final as (

    select
        outcomes.component_type,
        outcomes.component,
        arg_max(outcomes.status, outcomes.started_at) as last_status,
        arg_max(outcomes.run_id, outcomes.started_at) as last_run_id,
        max(outcomes.started_at) as last_run_at,
        max(outcomes.started_at) filter (where outcomes.status = 'ok') as last_success_at,
        count(*) filter (
            where outcomes.status <> 'ok' and outcomes.started_at >= now() - interval 7 day
        ) as failures_last_7_days,
        coalesce(any_value(open_incidents.open_incidents), 0) as open_incidents

    from outcomes
    left join open_incidents
        on outcomes.component = open_incidents.subject
    group by outcomes.component_type, outcomes.component

)

select * from final
