with

source as (

    select * from {{ source('crm', 'crm_products') }}

),

renamed as (

    select
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        trim(product_name) as product_name,
        trim(brand) as brand,
        trim(category) as category,
        {{ to_money('list_price') }} as list_price_gbp,
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
            partition by product_id
            order by updated_at desc nulls last, extracted_at desc nulls last, load_id desc
        ) as version_rank

    from renamed

),

final as (

    select
        product_id,
        product_name,
        brand,
        category,
        list_price_gbp,
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
