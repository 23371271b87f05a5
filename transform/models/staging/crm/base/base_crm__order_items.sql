{#- Every raw order line row, parsed and checked; see _crm__base.yml. -#}
with

source as (

    select * from {{ source('crm', 'crm_order_items') }}

),

renamed as (

    select
        cast(order_item_id as {{ dbt.type_bigint() }}) as order_item_id,
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        {{ to_money('unit_price') }} as unit_price_gbp,
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
            ['null_key', 'order_item_id is null'],
            ['missing_value',
             'order_id is null or product_id is null or quantity is null'
             ~ ' or unit_price_gbp is null'],
            ['negative_amount', 'quantity < 0 or unit_price_gbp < 0'],
        ]) }} as row_issue,
        {{ integer_key(['order_id', 'product_id', 'quantity', 'unit_price_gbp', 'created_at'])
        }} as content_key,
        {{ integer_key(['updated_at', 'extracted_at', 'load_id']) }} as version_key

    from renamed

),

{{ version_ctes(
    'order_item_id',
    'updated_at desc nulls last, extracted_at desc nulls last, load_id desc'
) }},

final as (

    select
        order_item_id,
        order_id,
        product_id,
        quantity,
        unit_price_gbp,
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
