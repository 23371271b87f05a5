{#
    The support measures of a group of tickets (rows with is_closed, first_response_hours,
    resolution_hours, csat_rating, is_csat_positive), as aggregate columns: every ticket
    counts in tickets; durations and ratings are over closed tickets only (docs: support
    metrics are over closed tickets). With `medians`, also the median durations.
#}
{% macro ticket_measures(medians=false) -%}
    count(*) as tickets,
        sum(case when is_closed then 1 else 0 end) as closed_tickets,
        avg(case when is_closed then first_response_hours end) as mean_first_response_hours,
        avg(case when is_closed then resolution_hours end) as mean_resolution_hours,
        avg(case when is_closed then csat_rating * 1.0 end) as mean_csat_rating,
        count(case when is_closed then csat_rating end) as rated_tickets,
        sum(case when is_closed and is_csat_positive then 1 else 0 end) as csat_positive_tickets
    {%- if medians %},
        {{ median('case when is_closed then first_response_hours end') }}
            as median_first_response_hours,
        {{ median('case when is_closed then resolution_hours end') }} as median_resolution_hours
    {%- endif %}
{%- endmacro %}
