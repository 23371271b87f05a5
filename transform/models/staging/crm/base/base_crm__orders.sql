{#- Every raw order row, parsed and checked; see _crm__base.yml. -#}
with

source as (

    select * from {{ source('crm', 'crm_orders') }}

),

renamed as (

    select
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        lower(trim(status)) as order_status,
        upper(trim(currency)) as currency_code,
        {{ to_utc_timestamp('ordered_at', var('crm_timezone')) }} as ordered_at,
        {{ to_utc_timestamp('created_at', var('crm_timezone')) }} as created_at,
        {{ to_utc_timestamp('updated_at', var('crm_timezone')) }} as updated_at,
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        _dlt_load_id as load_id,
        {{ row_to_json('source') }} as raw_row

    from source

),

checked as (

    select
        *,
        {{ quarantine_reason([
            ['null_key', 'order_id is null'],
            ['unknown_value',
             "order_status not in ('placed', 'shipped', 'delivered', 'cancelled', 'returned')"
             ~ " or currency_code <> 'GBP'"],
            ['missing_value', 'customer_id is null or ordered_at is null'],
        ]) }} as row_issue,
        {{ integer_key(['customer_id', 'order_status', 'currency_code', 'ordered_at',
                        'created_at']) }} as content_key,
        {{ integer_key(['updated_at', 'extracted_at', 'load_id']) }} as version_key

    from renamed

),

{{ version_ctes(
    'order_id',
    'updated_at desc nulls last, extracted_at desc nulls last, load_id desc'
) }},

final as (

    select
        order_id,
        customer_id,
        order_status,
        currency_code,
        ordered_at,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id,
        raw_row,
        quarantine_reason,
        version_rank,
        coalesce(version_rank = latest_valid_rank, false) as is_latest_valid,
        quarantine_reason is not null
            and (latest_valid_rank is null or version_rank < latest_valid_rank) as is_quarantined

    from versions

)

select * from final
