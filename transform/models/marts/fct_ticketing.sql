{{
    config(
        partition_by=(
            {'field': 'created_date', 'data_type': 'date', 'granularity': 'day'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['ticket_id', 'customer_key', 'product_key'] if target.type == 'bigquery' else none),
    )
}}

with

tickets as (
    {{ import_columns(ref('stg_helpdesk__tickets'), [
        'ticket_id', 'customer_email', 'product_purchased', 'purchased_date', 'ticket_type',
        'ticket_subject', 'ticket_status', 'ticket_priority', 'ticket_channel',
        'created_at', 'first_response_at', 'resolved_at', 'csat_rating', 'extracted_at',
    ]) }}
),

customers as (
    {{ import_columns(ref('dim_customers'), [
        'customer_key', 'customer_id', 'email',
    ], where='is_crm_customer and email is not null') }}
),

products as (
    {{ import_columns(ref('dim_products'), [
        'product_key', 'product_id', 'product_name',
    ], where='is_crm_product and product_name is not null') }}
),

{#- Tickets reach customers by normalised email and products by name; when two CRM rows
    share an email or a name, the lowest natural key wins. #}
customers_by_email as (

    select
        email,
        customer_key,
        row_number() over (partition by email order by customer_id) as match_rank

    from customers

),

products_by_name as (

    select
        lower(product_name) as product_name_key,
        product_key,
        row_number() over (partition by lower(product_name) order by product_id) as match_rank

    from products

),

matched as (

    select
        tickets.*,
        customers_by_email.customer_key as matched_customer_key,
        products_by_name.product_key as matched_product_key

    from tickets
    left join customers_by_email
        on tickets.customer_email = customers_by_email.email
        and customers_by_email.match_rank = 1
    left join products_by_name
        on lower(tickets.product_purchased) = products_by_name.product_name_key
        and products_by_name.match_rank = 1

),

final as (

    select
        {{ integer_key(['ticket_id']) }} as ticket_key,
        ticket_id,
        cast(coalesce(matched_customer_key, -1) as {{ dbt.type_bigint() }}) as customer_key,
        matched_customer_key is not null as is_customer_matched,
        cast(coalesce(matched_product_key, -1) as {{ dbt.type_bigint() }}) as product_key,
        matched_product_key is not null as is_product_matched,
        ticket_channel,
        ticket_priority,
        ticket_type,
        ticket_subject,
        ticket_status,
        coalesce(ticket_status = 'Closed', false) as is_closed,
        purchased_date,
        created_at,
        {{ utc_date('created_at') }} as created_date,
        first_response_at,
        resolved_at,
        {{ to_measure(hours_between('created_at', 'first_response_at')) }}
            as first_response_hours,
        {{ to_measure(hours_between('first_response_at', 'resolved_at')) }}
            as resolution_hours,
        csat_rating,
        csat_rating >= {{ var('csat_positive_min_rating') }} as is_csat_positive,
        extracted_at as source_extracted_at

    from matched

)

select * from final
