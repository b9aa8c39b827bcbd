package com.example.trade;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Accepts orders that pass the risk checks and keeps the day's order book. */
public final class OrderService {
    private final RiskChecker risk;
    private final PriceCalculator prices;
    private final List<Order> accepted = new ArrayList<>();

    public OrderService(RiskChecker risk, PriceCalculator prices) {
        this.risk = risk;
        this.prices = prices;
    }

    public String place(Order order) {
        String verdict = risk.check(order);
        if (!"OK".equals(verdict)) {
            return "REJECTED:" + verdict;
        }
        accepted.add(order);
        return "ACCEPTED:" + prices.totalCost(order);
    }

    public boolean cancel(Order order) {
        return accepted.remove(order);
    }

    public List<Order> book() {
        return Collections.unmodifiableList(accepted);
    }

    public String report() {
        StringBuilder out = new StringBuilder();
        for (Order order : accepted) {
            out.append(order.account()).append(' ').append(order.symbol()).append(' ').append(order.quantity());
            out.append('\n');
        }
        return out.toString();
    }
}
