with

built_nodes as (
    {{ import_columns(source('ops', 'dbt_node_results'), [
        'unique_id', 'resource_type', 'execution_seconds', 'bytes_processed',
        'completed_at',
    ], where="resource_type in ('model', 'snapshot', 'seed') and status = 'success'") }}
),

final as (

    select
        row_number() over (
            order by arg_max(execution_seconds, completed_at) desc, unique_id
        ) as slowness_rank,
        unique_id,
        any_value(resource_type) as resource_type,
        arg_max(execution_seconds, completed_at) as last_execution_seconds,
        avg(execution_seconds) as avg_execution_seconds,
        max(execution_seconds) as max_execution_seconds,
        arg_max(bytes_processed, completed_at) as last_bytes_processed,
        count(*) as executions,
        max(completed_at) as last_completed_at

    from built_nodes
    group by unique_id

)

select * from final
