package com.example.trade;

import java.math.BigDecimal;
import java.util.Set;

/** Pre-trade risk checks: lot size, single-order limit, restricted list. */
public final class RiskChecker {
    private final BigDecimal singleOrderLimit;
    private final Set<String> restricted;

    public RiskChecker(BigDecimal singleOrderLimit, Set<String> restricted) {
        this.singleOrderLimit = singleOrderLimit;
        this.restricted = restricted;
    }

    public String check(Order order) {
        if (order.quantity() <= 0 || order.quantity() % 100 != 0) {
            return "LOT_SIZE";
        }
        if (restricted.contains(order.symbol())) {
            return "RESTRICTED";
        }
        if (order.amount().compareTo(singleOrderLimit) > 0) {
            return "OVER_LIMIT";
        }
        return "OK";
    }

    public boolean isRestricted(String symbol) {
        return restricted.contains(symbol);
    }
}
