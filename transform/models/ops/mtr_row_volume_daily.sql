with

runs as (
    {{ import_columns(source('ops', 'runs'), ['run_id', 'started_at']) }}
),

run_steps as (
    {{ import_columns(source('ops', 'run_steps'), [
        'run_id', 'step', 'name', 'source', 'status', 'rows_written',
    ]) }}
),

table_snapshots as (
    {{ import_columns(source('ops', 'table_snapshots'), [
        'table_name', 'row_count', 'observed_at',
    ]) }}
),

loads as (

    select
        cast(timezone('UTC', runs.started_at) as date) as load_date,
        run_steps.name as table_name,
        any_value(run_steps.source) as source,
        sum(coalesce(run_steps.rows_written, 0)) as rows_loaded,
        count(distinct run_steps.run_id) as runs

    from run_steps
    inner join runs
        on run_steps.run_id = runs.run_id
    where run_steps.step = 'ingest' and run_steps.status = 'ok'
    group by all

),

{#- The table's size at the end of each day: its last snapshot that day. #}
sizes as (

    select
        cast(timezone('UTC', observed_at) as date) as load_date,
        table_name,
        arg_max(row_count, observed_at) as total_rows

    from table_snapshots
    group by all

),

final as (

    select
        loads.load_date,
        loads.source,
        loads.table_name,
        loads.runs,
        loads.rows_loaded,
        loads.rows_loaded - lag(loads.rows_loaded) over (
            partition by loads.table_name order by loads.load_date
        ) as rows_loaded_delta,
        sizes.total_rows

    from loads
    left join sizes
        on loads.load_date = sizes.load_date
        and loads.table_name = sizes.table_name

)

select * from final
