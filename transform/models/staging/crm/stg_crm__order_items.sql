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
        _dlt_load_id as load_id

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_item_id
            order by updated_at desc nulls last, extracted_at desc nulls last, load_id desc
        ) as version_rank

    from renamed

),

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
        load_id

    from ranked
    where version_rank = 1

)

select * from final
